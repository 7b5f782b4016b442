import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
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
  writePackage,
  zipNames,
} from './helpers.js';

afterEach(cleanTemporaries);

function tsFixture(): string {
  const dir = copyFixture('typescript');
  writePackage(path.join(dir, 'node_modules/tiny-dep'), 'tiny-dep', {
    files: {
      'index.js': "exports.shout = (s) => s.toUpperCase() + '!';\nexports.unused = () => 'UNUSED_DEP_MARKER';\n",
    },
  });
  writePackage(path.join(dir, 'node_modules/typescript-dev'), 'typescript-dev');
  return dir;
}

describe('bundling', () => {
  it('bundles a TypeScript handler by default: tree-shaken, source-mapped, same handler path', async () => {
    const dir = tsFixture();
    const service = makeService(dir, { functions: [fn('api', 'src/handler.main')] });
    const { manifest, artifacts } = await packageService({ service, progress: recorder() });
    expect(manifest.artifacts[0].mode).toBe('bundle');
    const entries = await readZip(artifacts[0].path);
    expect([...entries.keys()]).toEqual(['src/handler.js', 'src/handler.js.map']);
    const code = entries.get('src/handler.js')!.data.toString();
    expect(code).not.toContain('TREE_SHAKEN_MARKER');
    expect(code).toContain('sourceMappingURL=handler.js.map');
    const map = JSON.parse(entries.get('src/handler.js.map')!.data.toString());
    expect(map.sources.some((s: string) => s.endsWith('src/lib/greet.ts'))).toBe(true);

    const out = tempDir();
    writeFiles(out, { 'src/handler.js': code });
    const result = execFileSync(process.execPath, [
      '-e',
      `require(${JSON.stringify(path.join(out, 'src/handler.js'))}).main({name:'sky'}).then(r => process.stdout.write(r.body))`,
    ]);
    expect(result.toString()).toBe('HELLO SKY!');
  });

  it('copies JavaScript handlers unless build.esbuild is set, then bundles them too', async () => {
    const dir = copyFixture('one-function');
    const copied = await packageService({ service: makeService(dir), progress: recorder() });
    expect(copied.manifest.artifacts[0].mode).toBe('copy');
    const bundled = await packageService({ service: makeService(dir, { esbuild: true }), progress: recorder() });
    expect(bundled.manifest.artifacts[0].mode).toBe('bundle');
    expect(await zipNames(bundled.artifacts[0].path)).toEqual(['handler.js', 'handler.js.map']);
  });

  it('passes esbuild options through: esm output becomes .mjs, minify applies', async () => {
    const dir = tsFixture();
    const service = makeService(dir, {
      functions: [fn('api', 'src/handler.main')],
      esbuild: { format: 'esm', minify: true, sourcemap: false },
    });
    const { artifacts } = await packageService({ service, progress: recorder() });
    const entries = await readZip(artifacts[0].path);
    expect([...entries.keys()]).toEqual(['src/handler.mjs']);
    expect(entries.get('src/handler.mjs')!.data.toString()).toMatch(/export\s*\{/);
  });

  it('fails when a TypeScript handler does not export the named function', async () => {
    const dir = tsFixture();
    const service = makeService(dir, { functions: [fn('api', 'src/handler.missing')] });
    await expect(packageService({ service, progress: recorder() })).rejects.toMatchObject({
      code: 'PACKAGE_HANDLER_EXPORT_MISSING',
      exitCode: 4,
      message: expect.stringContaining('"missing"'),
      hint: expect.stringContaining('main'),
    });
  });

  it('fails when a copied JavaScript handler does not export the named function (CommonJS and ESM)', async () => {
    const dir = copyFixture('one-function');
    writeFiles(dir, {
      'esm.mjs': "export * from './impl.mjs';\n",
      'impl.mjs': 'export const handler = async () => 1;\n',
    });
    const cjs = makeService(dir, { functions: [fn('hello', 'handler.nope')] });
    await expect(packageService({ service: cjs, progress: recorder() })).rejects.toMatchObject({
      code: 'PACKAGE_HANDLER_EXPORT_MISSING',
    });
    const esmMissing = makeService(dir, { functions: [fn('hello', 'esm.nope')] });
    await expect(packageService({ service: esmMissing, progress: recorder() })).rejects.toMatchObject({
      code: 'PACKAGE_HANDLER_EXPORT_MISSING',
    });
    const esmOk = makeService(dir, { functions: [fn('hello', 'esm.handler')] });
    await expect(packageService({ service: esmOk, progress: recorder() })).resolves.toBeDefined();
  });

  it('reports a bundling error as a packaging error with its location', async () => {
    const dir = tsFixture();
    writeFiles(dir, {
      'src/handler.ts': "import { nothing } from './does-not-exist';\nexport const main = () => nothing;\n",
    });
    await expect(
      packageService({
        service: makeService(dir, { functions: [fn('api', 'src/handler.main')] }),
        progress: recorder(),
      }),
    ).rejects.toMatchObject({
      code: 'PACKAGE_BUNDLE_FAILED',
      message: expect.stringContaining('src/handler.ts:1'),
    });
  });

  it('keeps native addons and `external` packages out of the bundle and copies them with their production dependencies', async () => {
    const dir = tsFixture();
    const nm = path.join(dir, 'node_modules');
    writePackage(path.join(nm, 'native-thing'), 'native-thing', {
      dependencies: { 'bindings-helper': '1' },
      files: {
        'binding.gyp': '{}',
        'build/Release/addon.node': 'ELF-not-really',
        'index.js': "require('bindings-helper'); module.exports = { native: true };\n",
      },
    });
    writePackage(path.join(nm, 'bindings-helper'), 'bindings-helper');
    writePackage(path.join(nm, 'big-lib'), 'big-lib', {
      dependencies: { 'big-lib-dep': '1' },
      files: { 'index.js': 'exports.big = () => 1;\n' },
    });
    writePackage(path.join(nm, 'big-lib-dep'), 'big-lib-dep');
    writeFiles(dir, {
      'src/handler.ts':
        "import native from 'native-thing';\nimport { big } from 'big-lib';\nimport { shout } from 'tiny-dep';\nexport const main = async () => ({ statusCode: 200, body: shout(String(native) + big()) });\n",
    });
    const service = makeService(dir, { functions: [fn('api', 'src/handler.main')], esbuild: { external: ['big-*'] } });
    const { artifacts } = await packageService({ service, progress: recorder() });
    const entries = await readZip(artifacts[0].path);
    const names = [...entries.keys()];
    expect(names).toEqual(
      expect.arrayContaining([
        'node_modules/native-thing/build/Release/addon.node',
        'node_modules/native-thing/binding.gyp',
        'node_modules/bindings-helper/index.js',
        'node_modules/big-lib/index.js',
        'node_modules/big-lib-dep/index.js',
        'src/handler.js',
      ]),
    );
    expect(names.some((n) => n.includes('tiny-dep'))).toBe(false);
    const code = entries.get('src/handler.js')!.data.toString();
    expect(code).toContain('require("native-thing")');
    expect(code).toContain('require("big-lib")');
    expect(code).toContain('toUpperCase');
  });

  it('bundles many functions of one service into one zip, each handler at its own path', async () => {
    const dir = tsFixture();
    mkdirSync(path.join(dir, 'src/more'), { recursive: true });
    writeFiles(dir, { 'src/more/other.ts': "export const run = async () => 'other';\n" });
    const service = makeService(dir, { functions: [fn('api', 'src/handler.main'), fn('other', 'src/more/other.run')] });
    const { artifacts, manifest } = await packageService({ service, progress: recorder() });
    expect(artifacts).toHaveLength(1);
    expect(manifest.artifacts[0].functions).toEqual(['api', 'other']);
    expect(await zipNames(artifacts[0].path)).toEqual([
      'src/handler.js',
      'src/handler.js.map',
      'src/more/other.js',
      'src/more/other.js.map',
    ]);
  });
});
