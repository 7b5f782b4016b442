import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packageService } from '../../src/packaging/index.js';
import {
  cleanTemporaries,
  copyFixture,
  fn,
  makeService,
  readZip,
  recorder,
  tempDir,
  writeFiles,
  zipNames,
} from './helpers.js';

afterEach(cleanTemporaries);

describe('file selection', () => {
  it('packages a one-function service into <service>.zip with v3 default excludes', async () => {
    const dir = copyFixture('one-function');
    writeFiles(dir, {
      '.git/HEAD': 'ref',
      '.serverless/old.zip': 'x',
      'nested/.DS_Store': 'x',
      'npm-debug.log.1': 'x',
    });
    const progress = recorder();
    const { manifest, artifacts } = await packageService({ service: makeService(dir, { name: 'one' }), progress });
    expect(artifacts).toHaveLength(1);
    expect(artifacts[0].path).toBe(path.join(dir, '.serverless', 'one.zip'));
    expect(await zipNames(artifacts[0].path)).toEqual(['.env', 'handler.js', 'README.md'].sort());
    expect(manifest.functions.hello).toEqual({ artifact: 'one.zip', handler: 'handler.hello', runtime: 'nodejs20.x' });
    expect(manifest.artifacts[0]).toMatchObject({ path: 'one.zip', functions: ['hello'], files: 3, mode: 'copy' });
    expect(manifest.artifacts[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(progress.steps).toContain('Packaging one.zip');
  });

  it('excludes .env* files when useDotenv is set', async () => {
    const dir = copyFixture('one-function');
    const { artifacts } = await packageService({
      service: makeService(dir, { useDotenv: true }),
      progress: recorder(),
    });
    expect(await zipNames(artifacts[0].path)).toEqual(['README.md', 'handler.js']);
  });

  it('applies patterns in order, "!" excluding and later patterns re-including', async () => {
    const dir = copyFixture('patterns');
    const service = makeService(dir, {
      functions: [fn('hello', 'src/a.hello')],
      package: { patterns: ['!docs/**', '!**/*.md', 'docs/keep.md', '!src/b.js'] },
    });
    const { artifacts } = await packageService({ service, progress: recorder() });
    expect(await zipNames(artifacts[0].path)).toEqual(['docs/keep.md', 'src/a.js']);

    const reordered = makeService(dir, {
      functions: [fn('hello', 'src/a.hello')],
      package: { patterns: ['docs/keep.md', '!docs/**', '!**/*.md'] },
    });
    const second = await packageService({ service: reordered, progress: recorder(), outDir: path.join(dir, 'out2') });
    expect(await zipNames(second.artifacts[0].path)).toEqual(['src/a.js', 'src/b.js']);
  });

  it('packages functions individually with their own patterns', async () => {
    const dir = copyFixture('individually');
    const service = makeService(dir, {
      package: { individually: true, patterns: ['!src/**', 'shared/**'] },
      functions: [
        fn('alpha', 'src/a/index.handler', { package: { patterns: ['src/a/**'] } }),
        fn('beta', 'src/b/index.handler', { package: { patterns: ['src/b/**', '!src/b/fixtures/**'] } }),
      ],
    });
    const { manifest, artifacts } = await packageService({ service, progress: recorder() });
    expect(artifacts.map((a) => path.basename(a.path))).toEqual(['alpha.zip', 'beta.zip']);
    expect(await zipNames(artifacts[0].path)).toEqual(['shared/util.js', 'src/a/index.js']);
    expect(await zipNames(artifacts[1].path)).toEqual(['shared/util.js', 'src/b/index.js']);
    expect(manifest.functions.beta.artifact).toBe('beta.zip');
  });

  it('warns that function patterns need individually, and uses the service patterns', async () => {
    const dir = copyFixture('individually');
    const progress = recorder();
    const service = makeService(dir, {
      functions: [fn('alpha', 'src/a/index.handler', { package: { patterns: ['!shared/**'] } })],
    });
    const { artifacts } = await packageService({ service, progress });
    expect(progress.warnings.join('\n')).toMatch(/individually/);
    expect(await zipNames(artifacts[0].path)).toContain('shared/util.js');
  });

  it('fails with the patterns named when nothing is selected', async () => {
    const dir = copyFixture('patterns');
    const service = makeService(dir, { functions: [fn('hello', 'src/a.hello')], package: { patterns: ['!**'] } });
    await expect(packageService({ service, progress: recorder() })).rejects.toMatchObject({
      code: 'PACKAGE_EMPTY',
      exitCode: 4,
      message: expect.stringContaining('!**'),
    });
  });

  it('fails when the patterns exclude the handler file', async () => {
    const dir = copyFixture('patterns');
    const service = makeService(dir, { functions: [fn('hello', 'src/a.hello')], package: { patterns: ['!src/a.js'] } });
    await expect(packageService({ service, progress: recorder() })).rejects.toMatchObject({
      code: 'PACKAGE_HANDLER_EXCLUDED',
    });
  });

  it.each([['../outside/**'], ['src/../../x/**'], ['/etc/passwd'], ['!../**']])(
    'rejects the pattern %s that leaves the service',
    async (pattern) => {
      const root = tempDir();
      writeFiles(root, { 'outside/secret.txt': 'secret' });
      const dir = copyFixture('patterns', root, 'svc');
      const service = makeService(dir, { functions: [fn('hello', 'src/a.hello')], package: { patterns: [pattern] } });
      await expect(packageService({ service, progress: recorder() })).rejects.toMatchObject({
        code: 'PACKAGE_PATTERN_OUTSIDE_SERVICE',
      });
    },
  );

  it('never reads through a symlink that escapes the service directory', async () => {
    const root = tempDir();
    writeFiles(root, { 'outside/secret.txt': 'TOP SECRET', 'outside/dir/key.pem': 'KEY' });
    const dir = copyFixture('one-function', root, 'svc');
    symlinkSync(path.join(root, 'outside/secret.txt'), path.join(dir, 'secret.txt'));
    symlinkSync(path.join(root, 'outside/dir'), path.join(dir, 'linked-dir'));
    symlinkSync('../..', path.join(dir, 'up'));
    mkdirSync(path.join(dir, 'lib'));
    writeFileSync(path.join(dir, 'lib/real.js'), 'module.exports = 1;\n');
    symlinkSync('lib/real.js', path.join(dir, 'alias.js'));
    symlinkSync('..', path.join(dir, 'lib/loop'));
    const progress = recorder();
    const { artifacts } = await packageService({ service: makeService(dir, { useDotenv: true }), progress });
    const entries = await readZip(artifacts[0].path);
    expect([...entries.keys()].sort()).toEqual(['README.md', 'alias.js', 'handler.js', 'lib/real.js']);
    expect(entries.get('alias.js')!.data.toString()).toBe('module.exports = 1;\n');
    for (const entry of entries.values()) expect(entry.data.toString()).not.toMatch(/TOP SECRET|KEY/);
    expect(progress.warnings.join('\n')).toMatch(/secret\.txt.*outside the service/);
    expect(progress.warnings.join('\n')).toMatch(/linked-dir/);
  });

  it('fails clearly when the handler file does not exist', async () => {
    const dir = copyFixture('one-function');
    const service = makeService(dir, { functions: [fn('hello', 'missing/file.hello')] });
    await expect(packageService({ service, progress: recorder() })).rejects.toMatchObject({
      code: 'PACKAGE_HANDLER_NOT_FOUND',
    });
  });
});
