import { chmodSync, copyFileSync, readFileSync, statSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packageService, readPackageManifest } from '../../src/packaging/index.js';
import {
  cleanTemporaries,
  copyFixture,
  fn,
  makeService,
  readZip,
  recorder,
  tempDir,
  writeFiles,
  writePackage,
  zipNames,
} from './helpers.js';

afterEach(cleanTemporaries);

describe('artifacts', () => {
  it('uses a prebuilt artifact untouched, at service and at function level', async () => {
    const dir = copyFixture('individually');
    const first = await packageService({
      service: makeService(dir, { functions: [fn('alpha', 'src/a/index.handler')] }),
      progress: recorder(),
    });
    copyFileSync(first.artifacts[0].path, path.join(dir, 'prebuilt.zip'));
    const bytes = readFileSync(path.join(dir, 'prebuilt.zip'));

    const service = makeService(dir, {
      package: { artifact: 'prebuilt.zip' },
      functions: [
        fn('alpha', 'src/a/index.handler'),
        fn('beta', 'src/b/index.handler', { package: { patterns: [], artifact: 'prebuilt.zip' } }),
      ],
    });
    const { manifest, artifacts } = await packageService({
      service,
      progress: recorder(),
      outDir: path.join(dir, 'out'),
    });
    expect(artifacts.map((a) => a.mode)).toEqual(['prebuilt', 'prebuilt']);
    expect(artifacts.every((a) => a.path === path.join(dir, 'prebuilt.zip'))).toBe(true);
    expect(manifest.artifacts[0]).toMatchObject({
      path: '../prebuilt.zip',
      sha256: first.artifacts[0].sha256,
      files: first.artifacts[0].files,
    });
    expect(manifest.functions.alpha.artifact).toBe('../prebuilt.zip');
    expect(readFileSync(path.join(dir, 'prebuilt.zip')).equals(bytes)).toBe(true);
  });

  it('fails clearly on a missing prebuilt artifact', async () => {
    const dir = copyFixture('one-function');
    await expect(
      packageService({ service: makeService(dir, { package: { artifact: 'nope.zip' } }), progress: recorder() }),
    ).rejects.toMatchObject({
      code: 'PACKAGE_ARTIFACT_NOT_FOUND',
    });
  });

  it('writes byte-identical zips from two copies with different timestamps and modes', async () => {
    const one = copyFixture('npm-layout');
    const two = copyFixture('npm-layout');
    for (const dir of [one, two]) writePackage(path.join(dir, 'node_modules/a'), 'a');
    writeFiles(one, { 'bin/run.sh': '#!/bin/sh\necho hi\n' });
    writeFiles(two, { 'bin/run.sh': '#!/bin/sh\necho hi\n' });
    chmodSync(path.join(one, 'bin/run.sh'), 0o775);
    chmodSync(path.join(two, 'bin/run.sh'), 0o700);
    chmodSync(path.join(two, 'handler.js'), 0o600);
    utimesSync(path.join(two, 'handler.js'), new Date('2001-02-03'), new Date('2001-02-03'));
    const service = (dir: string) => makeService(dir, { package: { patterns: [] } });
    const a = await packageService({ service: service(one), progress: recorder() });
    const b = await packageService({ service: service(two), progress: recorder() });
    expect(a.artifacts[0].sha256).toBe(b.artifacts[0].sha256);
    expect(readFileSync(a.artifacts[0].path).equals(readFileSync(b.artifacts[0].path))).toBe(true);

    const entries = await readZip(a.artifacts[0].path);
    const names = [...entries.keys()];
    expect(names).toEqual([...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    expect(entries.get('bin/run.sh')!.mode).toBe(0o755);
    expect(entries.get('handler.js')!.mode).toBe(0o644);
    for (const entry of entries.values()) {
      expect(entry.extraFieldLength).toBe(0);
      expect(entry.date.getFullYear()).toBe(1980);
    }
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(readFileSync(a.artifacts[0].path)).digest('hex')).toBe(a.artifacts[0].sha256);
    expect(statSync(a.artifacts[0].path).size).toBe(a.artifacts[0].size);
  });

  it('bundled zips are byte-identical across directories too', async () => {
    const build = async () => {
      const dir = copyFixture('typescript');
      writePackage(path.join(dir, 'node_modules/tiny-dep'), 'tiny-dep', {
        files: { 'index.js': 'exports.shout = (s) => s;\n' },
      });
      return packageService({
        service: makeService(dir, { functions: [fn('api', 'src/handler.main')] }),
        progress: recorder(),
      });
    };
    const [a, b] = [await build(), await build()];
    expect(a.artifacts[0].sha256).toBe(b.artifacts[0].sha256);
  });

  it('reuses an unchanged artifact and rebuilds when a file changes', async () => {
    const dir = copyFixture('one-function');
    const service = makeService(dir);
    const first = await packageService({ service, progress: recorder() });
    expect(first.summary[0].cached).toBe(false);
    const mtime = statSync(first.artifacts[0].path).mtimeMs;

    const progress = recorder();
    const second = await packageService({ service, progress });
    expect(second.summary[0].cached).toBe(true);
    expect(progress.steps).toEqual([]);
    expect(second.artifacts[0].sha256).toBe(first.artifacts[0].sha256);
    expect(statSync(second.artifacts[0].path).mtimeMs).toBe(mtime);

    writeFileSync(path.join(dir, 'handler.js'), "exports.hello = async () => 'changed';\n");
    const third = await packageService({ service, progress: recorder() });
    expect(third.summary[0].cached).toBe(false);
    expect(third.artifacts[0].sha256).not.toBe(first.artifacts[0].sha256);

    const forced = await packageService({ service, progress: recorder(), force: true });
    expect(forced.summary[0].cached).toBe(false);
    expect(forced.artifacts[0].sha256).toBe(third.artifacts[0].sha256);
  });

  it('reuses a bundled artifact until one of its bundle inputs changes', async () => {
    const dir = copyFixture('typescript');
    writePackage(path.join(dir, 'node_modules/tiny-dep'), 'tiny-dep', {
      files: { 'index.js': 'exports.shout = (s) => s;\n' },
    });
    const service = makeService(dir, { functions: [fn('api', 'src/handler.main')] });
    const first = await packageService({ service, progress: recorder() });
    expect((await packageService({ service, progress: recorder() })).summary[0].cached).toBe(true);
    writeFileSync(path.join(dir, 'node_modules/tiny-dep/index.js'), 'exports.shout = (s) => s + "?";\n');
    const changed = await packageService({ service, progress: recorder() });
    expect(changed.summary[0].cached).toBe(false);
    expect(changed.artifacts[0].sha256).not.toBe(first.artifacts[0].sha256);
    writeFiles(dir, { 'src/lib/new-file.ts': 'export const x = 1;\n' });
    expect((await packageService({ service, progress: recorder() })).summary[0].cached).toBe(false);
  });

  it('rebuilds when settings change even if files did not', async () => {
    const dir = copyFixture('patterns');
    const base = { functions: [fn('hello', 'src/a.hello')] };
    await packageService({ service: makeService(dir, base), progress: recorder() });
    const next = await packageService({
      service: makeService(dir, { ...base, package: { patterns: ['!docs/**'] } }),
      progress: recorder(),
    });
    expect(next.summary[0].cached).toBe(false);
    expect(await zipNames(next.artifacts[0].path)).not.toContain('docs/guide.md');
  });

  it('writes a readable manifest with the model, and removes artifacts it no longer produces', async () => {
    const dir = copyFixture('individually');
    const functions = [fn('alpha', 'src/a/index.handler'), fn('beta', 'src/b/index.handler')];
    const outDir = path.join(dir, '.serverless');
    await packageService({
      service: makeService(dir, { functions, package: { individually: true } }),
      progress: recorder(),
    });
    expect(existsSync(path.join(outDir, 'alpha.zip'))).toBe(true);
    const { manifest } = await packageService({
      service: makeService(dir, { functions, name: 'indiv' }),
      progress: recorder(),
    });
    expect(existsSync(path.join(outDir, 'alpha.zip'))).toBe(false);
    expect(existsSync(path.join(outDir, 'indiv.zip'))).toBe(true);
    const read = await readPackageManifest(outDir);
    expect(read).toEqual(JSON.parse(JSON.stringify(manifest)));
    expect(read?.model.name).toBe('indiv');
    expect(read).toMatchObject({ version: 1, service: 'indiv', stage: 'dev', provider: 'local' });
    expect(await readPackageManifest(tempDir())).toBeUndefined();
  });

  it('adds provider wrapper files and records the wrapped handler', async () => {
    const dir = copyFixture('one-function');
    const wrapper = {
      id: 'test-wrapper@1',
      files: (f: { key: string }) => [
        { path: `__skyrun/${f.key}.js`, content: `module.exports = ${JSON.stringify(f.key)};\n` },
      ],
      handler: (f: { key: string }) => `__skyrun/${f.key}.handler`,
    };
    const { manifest, artifacts } = await packageService({
      service: makeService(dir),
      progress: recorder(),
      wrappers: [wrapper],
    });
    expect(await zipNames(artifacts[0].path)).toContain('__skyrun/hello.js');
    expect(manifest.functions.hello.handler).toBe('__skyrun/hello.handler');
  });
});
