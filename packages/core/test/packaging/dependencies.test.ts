import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packageService } from '../../src/packaging/index.js';
import {
  cleanTemporaries,
  copyFixture,
  link,
  makeService,
  readZip,
  recorder,
  tempDir,
  writeFiles,
  writePackage,
  zipNames,
} from './helpers.js';

afterEach(cleanTemporaries);

function npmInstall(dir: string): void {
  const nm = path.join(dir, 'node_modules');
  writePackage(path.join(nm, 'a'), 'a', { dependencies: { b: '^2.0.0', shared: '^1.0.0' } });
  writePackage(path.join(nm, 'a/node_modules/b'), 'b', { version: '2.0.0' });
  writePackage(path.join(nm, 'b'), 'b', { version: '1.0.0' });
  writePackage(path.join(nm, 'c'), 'c', { dependencies: { shared: '^1.0.0' } });
  writePackage(path.join(nm, 'shared'), 'shared');
  writePackage(path.join(nm, 'dev-tool'), 'dev-tool', { dependencies: { 'dev-only-dep': '*', b: '^1.0.0' } });
  writePackage(path.join(nm, 'dev-only-dep'), 'dev-only-dep');
  writePackage(path.join(nm, '@scope/pkg'), '@scope/pkg');
  writeFiles(nm, { '.bin/dev-tool': '#!/usr/bin/env node\n', '.package-lock.json': '{}' });
}

describe('node dependencies', () => {
  it('npm layout: ships the production closure, nested versions in place, no dev dependencies', async () => {
    const dir = copyFixture('npm-layout');
    npmInstall(dir);
    const progress = recorder();
    const { artifacts } = await packageService({ service: makeService(dir), progress });
    const names = await zipNames(artifacts[0].path);
    const modules = [
      ...new Set(
        names.filter((n) => n.startsWith('node_modules/')).map((n) => n.replace(/\/(index\.js|package\.json)$/, '')),
      ),
    ];
    expect(modules.sort()).toEqual([
      'node_modules/a',
      'node_modules/a/node_modules/b',
      'node_modules/c',
      'node_modules/shared',
    ]);
    expect(names).toContain('handler.js');
    expect(names).toContain('package.json');
    expect(progress.warnings).toEqual([]);
  });

  it('npm layout: keeps dev dependencies when excludeDevDependencies is false', async () => {
    const dir = copyFixture('npm-layout');
    npmInstall(dir);
    const { artifacts } = await packageService({
      service: makeService(dir, { package: { excludeDevDependencies: false } }),
      progress: recorder(),
    });
    const names = await zipNames(artifacts[0].path);
    expect(names).toContain('node_modules/dev-tool/index.js');
    expect(names).toContain('node_modules/dev-only-dep/index.js');
    expect(names).toContain('node_modules/b/index.js');
  });

  it('dev dependencies cannot be re-included by patterns, but production ones can be excluded', async () => {
    const dir = copyFixture('npm-layout');
    npmInstall(dir);
    const service = makeService(dir, { package: { patterns: ['node_modules/dev-tool/**', '!node_modules/c/**'] } });
    const names = await zipNames((await packageService({ service, progress: recorder() })).artifacts[0].path);
    expect(names.some((n) => n.startsWith('node_modules/dev-tool'))).toBe(false);
    expect(names.some((n) => n.startsWith('node_modules/c/'))).toBe(false);
    expect(names).toContain('node_modules/a/index.js');
  });

  it('warns about a production dependency that is not installed', async () => {
    const dir = copyFixture('npm-layout');
    npmInstall(dir);
    writeFiles(dir, { 'package.json': JSON.stringify({ dependencies: { a: '1', ghost: '1' } }) });
    const progress = recorder();
    await packageService({ service: makeService(dir), progress });
    expect(progress.warnings.join('\n')).toMatch(/"ghost".*not installed/);
  });

  /**
   * A pnpm workspace: <ws>/node_modules/.pnpm holds the real packages; the service's own
   * node_modules holds symlinks into it. Peers of a package are its siblings in the store.
   */
  function pnpmWorkspace(): { ws: string; dir: string } {
    const ws = tempDir('skyrun-pnpm-');
    const dir = copyFixture('npm-layout', ws, 'services/api');
    const store = path.join(ws, 'node_modules/.pnpm');
    const inStore = (id: string, name: string) => path.join(store, id, 'node_modules', name);
    writePackage(inStore('a@1.0.0', 'a'), 'a', { dependencies: { b: '^2.0.0', shared: '^1.0.0' } });
    writePackage(inStore('b@2.0.0', 'b'), 'b', { version: '2.0.0' });
    writePackage(inStore('c@1.0.0', 'c'), 'c', { dependencies: { shared: '^1.0.0', b: '^1.0.0' } });
    writePackage(inStore('b@1.0.0', 'b'), 'b', { version: '1.0.0' });
    writePackage(inStore('shared@1.0.0', 'shared'), 'shared');
    writePackage(inStore('dev-tool@1.0.0', 'dev-tool'), 'dev-tool');
    link(inStore('b@2.0.0', 'b'), inStore('a@1.0.0', 'b'));
    link(inStore('shared@1.0.0', 'shared'), inStore('a@1.0.0', 'shared'));
    link(inStore('b@1.0.0', 'b'), inStore('c@1.0.0', 'b'));
    link(inStore('shared@1.0.0', 'shared'), inStore('c@1.0.0', 'shared'));
    for (const name of ['a', 'c', 'dev-tool'])
      link(inStore(`${name}@1.0.0`, name), path.join(dir, 'node_modules', name));
    writePackage(path.join(ws, 'node_modules/hoisted-only'), 'hoisted-only');
    return { ws, dir };
  }

  it('pnpm workspace: follows the service links into the store and lays out a flat tree', async () => {
    const { dir } = pnpmWorkspace();
    const { artifacts } = await packageService({ service: makeService(dir), progress: recorder() });
    const entries = await readZip(artifacts[0].path);
    const version = (p: string) => JSON.parse(entries.get(`${p}/package.json`)!.data.toString()).version;
    const modules = [
      ...new Set(
        [...entries.keys()]
          .filter((n) => n.startsWith('node_modules/'))
          .map((n) => n.replace(/\/(index\.js|package\.json)$/, '')),
      ),
    ].sort();
    expect(modules).toEqual([
      'node_modules/a',
      'node_modules/b',
      'node_modules/c',
      'node_modules/c/node_modules/b',
      'node_modules/shared',
    ]);
    // a needs b@2 and was placed first (breadth-first, sorted): b@2 is hoisted, c gets its own b@1.
    expect(version('node_modules/b')).toBe('2.0.0');
    expect(version('node_modules/c/node_modules/b')).toBe('1.0.0');
    expect([...entries.keys()].some((n) => n.includes('.pnpm') || n.includes('dev-tool'))).toBe(false);
  });

  it('pnpm workspace: a production dependency linked to a sibling workspace package is an error', async () => {
    const { ws, dir } = pnpmWorkspace();
    writePackage(path.join(ws, 'packages/my-lib'), 'my-lib');
    writeFiles(ws, { 'packages/my-lib/.env': 'SECRET=1' });
    link(path.join(ws, 'packages/my-lib'), path.join(dir, 'node_modules/my-lib'));
    writeFiles(dir, { 'package.json': JSON.stringify({ dependencies: { a: '1', 'my-lib': 'workspace:*' } }) });
    await expect(packageService({ service: makeService(dir), progress: recorder() })).rejects.toMatchObject({
      code: 'PACKAGE_DEPENDENCY_OUTSIDE_SERVICE',
      message: expect.stringContaining('my-lib'),
    });
  });

  it('a sibling workspace package that is only a dev dependency is ignored', async () => {
    const { ws, dir } = pnpmWorkspace();
    writePackage(path.join(ws, 'packages/my-lib'), 'my-lib');
    link(path.join(ws, 'packages/my-lib'), path.join(dir, 'node_modules/my-lib'));
    writeFiles(dir, {
      'package.json': JSON.stringify({ dependencies: { a: '1' }, devDependencies: { 'my-lib': 'workspace:*' } }),
    });
    const names = await zipNames(
      (await packageService({ service: makeService(dir), progress: recorder() })).artifacts[0].path,
    );
    expect(names.some((n) => n.includes('my-lib'))).toBe(false);
  });

  it('npm workspace: a dependency hoisted to the workspace root is an error, not a silent gap', async () => {
    const { dir } = pnpmWorkspace();
    writeFiles(dir, { 'package.json': JSON.stringify({ dependencies: { 'hoisted-only': '1' } }) });
    await expect(packageService({ service: makeService(dir), progress: recorder() })).rejects.toMatchObject({
      code: 'PACKAGE_DEPENDENCY_OUTSIDE_SERVICE',
    });
  });

  it('a package symlinked to a file outside the service is not followed from inside the package', async () => {
    const root = tempDir();
    writeFiles(root, { 'secret.txt': 'TOP SECRET' });
    const dir = copyFixture('npm-layout', root, 'svc');
    npmInstall(dir);
    link(path.join(root, 'secret.txt'), path.join(dir, 'node_modules/a/leak.txt'));
    const progress = recorder();
    const names = await zipNames((await packageService({ service: makeService(dir), progress })).artifacts[0].path);
    expect(names).not.toContain('node_modules/a/leak.txt');
    expect(progress.warnings.join('\n')).toMatch(/leak\.txt/);
  });
});
