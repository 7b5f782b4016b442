import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDirectoryPruner } from '../../src/packaging/files.js';
import { packageService } from '../../src/packaging/index.js';
import {
  cleanTemporaries,
  copyFixture,
  fn,
  makeService,
  recorder,
  tempDir,
  writePackage,
  zipNames,
} from './helpers.js';

afterEach(cleanTemporaries);

/**
 * The nested-manifests fixture plus an installed dependency `a`. Every directory that must
 * not be walked holds a symlink to a directory outside the service: walking it would warn.
 */
function install(): string {
  const outside = tempDir('skyrun-outside-');
  const dir = copyFixture('nested-manifests');
  writePackage(path.join(dir, 'node_modules/a'), 'a');
  symlinkSync(outside, path.join(dir, 'node_modules/a/escape'));
  symlinkSync(outside, path.join(dir, 'tools/generator/escape'));
  symlinkSync(outside, path.join(dir, 'docs/escape'));
  return dir;
}

const hello = () => fn('hello', 'example/handler.hello');

describe('excluded directories are neither walked nor scanned for dependencies', () => {
  it("'!**' then 'example/**': only example is read; no warning for excluded package.json files", async () => {
    const dir = install();
    const progress = recorder();
    const service = makeService(dir, { functions: [hello()], package: { patterns: ['!**', 'example/**'] } });
    const { artifacts } = await packageService({ service, progress });
    expect(await zipNames(artifacts[0].path)).toEqual(['example/handler.js', 'example/package.json']);
    expect(progress.warnings).toEqual([]);
  });

  it('an excluded directory is skipped while the rest, node_modules included, is read', async () => {
    const dir = install();
    const progress = recorder();
    const service = makeService(dir, { functions: [hello()], package: { patterns: ['!tools/**', '!docs/**'] } });
    const { artifacts } = await packageService({ service, progress });
    const names = await zipNames(artifacts[0].path);
    expect(names).toContain('node_modules/a/index.js');
    expect(names.some((n) => n.startsWith('tools/') || n.startsWith('docs/'))).toBe(false);
    // node_modules/a was walked (its escaping link is reported); tools/ and docs/ were not.
    expect(progress.warnings).toHaveLength(1);
    expect(progress.warnings[0]).toMatch(/node_modules\/a\/escape/);
  });

  it('a selected nested package.json still declares dependencies', async () => {
    const dir = install();
    const progress = recorder();
    const service = makeService(dir, { functions: [hello()], package: { patterns: ['!docs/**', '!node_modules/**'] } });
    await packageService({ service, progress });
    expect([...progress.warnings].sort()).toEqual([
      expect.stringMatching(/"not-installed" of tools\/generator\/package\.json is not installed/),
      expect.stringMatching(/symlink tools\/generator\/escape/),
    ]);
  });
});

describe('createDirectoryPruner', () => {
  const prunes = (patterns: string[], dir: string, initial = true) => createDirectoryPruner(patterns, initial)(dir);

  it('skips what a later pattern cannot bring back', () => {
    expect(prunes(['!**', 'example/**'], 'node_modules')).toBe(true);
    expect(prunes(['!**', 'example/**'], 'tools/generator')).toBe(true);
    expect(prunes(['!**', 'example/**'], 'example')).toBe(false);
    expect(prunes(['!**', 'example/**'], 'example/deep')).toBe(false);
    expect(prunes(['!docs/**'], 'docs')).toBe(true);
    expect(prunes(['!docs/**'], 'docs/a/b')).toBe(true);
    expect(prunes(['!docs/**', 'docs/keep.md'], 'docs')).toBe(false);
    expect(prunes(['!.git/**', '!*.log'], 'src')).toBe(false);
    expect(prunes(['!src/*/**'], 'src')).toBe(false);
    expect(prunes(['!src/*/**'], 'src/a')).toBe(true);
  });

  it('keeps directories some pattern may still select', () => {
    expect(prunes(['!**', '**/*.js'], 'anything')).toBe(false);
    expect(prunes(['!**', 'src/*.js'], 'src')).toBe(false);
    expect(prunes(['!**', 'src/*.js'], 'src/nested')).toBe(true);
    expect(prunes(['!**', '{src,lib}/**'], 'lib')).toBe(false);
    expect(prunes(['!**', '{src,lib}/**'], 'other')).toBe(false);
    expect(prunes(['!**', 'docs/keep.md'], 'docs')).toBe(false);
    expect(prunes(['!**', 'docs/keep.md'], 'docs/sub')).toBe(true);
  });

  it('starts from the initial state (bundle-only artifacts select nothing by default)', () => {
    expect(prunes([], 'src', false)).toBe(true);
    expect(prunes(['assets/**'], 'src', false)).toBe(true);
    expect(prunes(['assets/**'], 'assets', false)).toBe(false);
    expect(prunes(['!**/*.md'], 'src', true)).toBe(false);
  });
});
