import { copyFileSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packageService } from '../../src/packaging/index.js';
import {
  cleanTemporaries,
  copyFixture,
  fn,
  makeService,
  recorder,
  writeFiles,
  writePackage,
  zipNames,
} from './helpers.js';

afterEach(cleanTemporaries);

function installNpm(dir: string): void {
  writePackage(path.join(dir, 'node_modules/a'), 'a', { dependencies: { shared: '^1.0.0' } });
  writePackage(path.join(dir, 'node_modules/c'), 'c');
  writePackage(path.join(dir, 'node_modules/shared'), 'shared');
}

const lastRun = (dir: string) => path.join(dir, '.serverless/.skyrun-cache/last-run.json');

describe('no-change path', () => {
  it('reuses every artifact when nothing changed, and notices each kind of change', async () => {
    const dir = copyFixture('npm-layout');
    installNpm(dir);
    const service = makeService(dir);
    const first = await packageService({ service, progress: recorder() });
    expect(first.summary[0].cached).toBe(false);
    expect(existsSync(lastRun(dir))).toBe(true);
    const zipStat = statSync(first.artifacts[0].path).mtimeMs;

    const progress = recorder();
    const again = await packageService({
      service: makeService(dir, { functions: [fn('hello', 'handler.hello', { memorySize: 256 })] }),
      progress,
    });
    expect(again.summary.map((r) => r.cached)).toEqual([true]);
    expect(progress.steps).toEqual([]);
    expect(again.artifacts[0].sha256).toBe(first.artifacts[0].sha256);
    expect(statSync(again.artifacts[0].path).mtimeMs).toBe(zipStat);
    // The manifest still carries the model of this run.
    expect(again.manifest.model.functions.hello.memorySize).toBe(256);

    // A new file in the service.
    writeFiles(dir, { 'lib/new.js': 'module.exports = 2;\n' });
    const added = await packageService({ service, progress: recorder() });
    expect(added.summary[0].cached).toBe(false);
    expect(await zipNames(added.artifacts[0].path)).toContain('lib/new.js');

    // A dependency gains a dependency of its own (its package.json changes).
    writePackage(path.join(dir, 'node_modules/a'), 'a', {
      version: '1.0.1',
      dependencies: { shared: '^1.0.0', c: '^1.0.0' },
    });
    const deps = await packageService({ service, progress: recorder() });
    expect(deps.summary[0].cached).toBe(false);

    // A file of a dependency disappears.
    rmSync(path.join(dir, 'node_modules/shared/index.js'));
    const removed = await packageService({ service, progress: recorder() });
    expect(removed.summary[0].cached).toBe(false);
    expect(await zipNames(removed.artifacts[0].path)).not.toContain('node_modules/shared/index.js');

    // The artifact itself was deleted.
    rmSync(removed.artifacts[0].path);
    const restored = await packageService({ service, progress: recorder() });
    expect(restored.summary[0].cached).toBe(false);
    expect(restored.artifacts[0].sha256).toBe(removed.artifacts[0].sha256);
  });

  it('ignores changes in directories the patterns exclude, and replays warnings', async () => {
    const dir = copyFixture('nested-manifests');
    const service = makeService(dir, {
      functions: [fn('hello', 'example/handler.hello')],
      package: { patterns: ['!**', 'example/**', 'tools/generator/**'] },
    });
    const first = recorder();
    await packageService({ service, progress: first });
    expect(first.warnings).toHaveLength(1);
    writeFiles(dir, { 'docs/more.md': 'more\n', 'tools/other/x.js': 'x\n' });
    const progress = recorder();
    const again = await packageService({ service, progress });
    expect(again.summary[0].cached).toBe(true);
    expect(progress.warnings).toEqual(first.warnings);
  });

  it('does not re-hash an unchanged prebuilt artifact, and does when it changes', async () => {
    const dir = copyFixture('one-function');
    const built = await packageService({ service: makeService(dir), progress: recorder() });
    copyFileSync(built.artifacts[0].path, path.join(dir, 'prebuilt.zip'));
    const service = makeService(dir, { package: { artifact: 'prebuilt.zip' } });
    const outDir = path.join(dir, 'out');
    const first = await packageService({ service, progress: recorder(), outDir });
    expect(first.summary[0]).toMatchObject({ cached: false, mode: 'prebuilt' });
    // Another setting changes (so the no-change path is not taken): the zip is still not read.
    const second = await packageService({
      service: makeService(dir, { package: { artifact: 'prebuilt.zip', patterns: ['!x'] } }),
      progress: recorder(),
      outDir,
    });
    expect(second.summary[0]).toMatchObject({ cached: true, mode: 'prebuilt', files: first.summary[0].files });
    expect(second.artifacts[0].sha256).toBe(first.artifacts[0].sha256);
    writeFileSync(path.join(dir, 'prebuilt.zip'), 'not the same zip any more');
    const third = await packageService({ service, progress: recorder(), outDir });
    expect(third.summary[0].cached).toBe(false);
    expect(third.artifacts[0].sha256).not.toBe(first.artifacts[0].sha256);
  });

  it('a failed run leaves no record behind', async () => {
    const dir = copyFixture('one-function');
    await packageService({ service: makeService(dir), progress: recorder() });
    expect(existsSync(lastRun(dir))).toBe(true);
    await expect(
      packageService({ service: makeService(dir, { package: { patterns: ['!handler.js'] } }), progress: recorder() }),
    ).rejects.toMatchObject({
      code: 'PACKAGE_HANDLER_EXCLUDED',
    });
    expect(existsSync(lastRun(dir))).toBe(false);
  });

  it('bundled functions: no esbuild run while the bundle inputs are unchanged', async () => {
    const dir = copyFixture('typescript');
    writePackage(path.join(dir, 'node_modules/tiny-dep'), 'tiny-dep', {
      files: { 'index.js': 'exports.shout = (s) => s;\n' },
    });
    const service = makeService(dir, { functions: [fn('api', 'src/handler.main')] });
    const first = recorder();
    await packageService({ service, progress: first });
    expect(first.steps.some((s) => s.startsWith('Bundling'))).toBe(true);
    const second = recorder();
    expect((await packageService({ service, progress: second })).summary[0].cached).toBe(true);
    expect(second.steps).toEqual([]);
  });
});
