// Bundles the CLI (packages/cli/dist/main.js, from tsc) with @skyrun/core, @oclif/core and their
// dependencies into one CommonJS file, packages/cli/dist/skyrun.cjs, which bin/run.js runs
// through packages/cli/src/bundle-loader.ts with V8's code cache.
//
// Why: a no-op `skyrun deploy` spent half its time resolving, reading and linking about 300
// module files (oclif alone is about 200 CommonJS files), and much of the rest compiling them.
// One pre-linked file loads in less than half the time, and as a script (not an ES module) it
// can use V8's code cache on Node 20 (bench/cli-startup, bench/deploy).
// - Providers stay outside: the CLI imports them on demand (packages/cli/src/providers.ts), and
//   they import @skyrun/core as a package. isSkyrunError recognises errors from either copy.
// - esbuild is native code and stays outside; the core loads it through `importCoreDependency`.
// - The file sits in dist/, beside main.js, so the CLI's `import.meta.url` paths
//   (`../package.json`) point where they did; the core finds its own folder by package name
//   (packages/core/src/core-package.ts).
// - Node 20 cannot run `import()` in a script compiled with cached data, so each dynamic
//   `import(...)` becomes `__skyrunImport(...)`, which the loader provides (found with
//   es-module-lexer, so strings and comments that mention import() are left alone).
import { build } from 'esbuild';
import { init, parse } from 'es-module-lexer';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../packages/cli/dist');
const outfile = path.join(dist, 'skyrun.cjs');

const result = await build({
  entryPoints: [path.join(dist, 'main.js')],
  outfile,
  write: false,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['@skyrun/provider-*', 'esbuild', 'typescript', 'ts-node', 'tsx'],
  // ES module code asks for its own URL; in the bundle that is the bundle's.
  define: { 'import.meta.url': '__skyrunBundleUrl' },
  banner: { js: "const __skyrunBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  // Class and function names stay as they are: oclif and error stacks print them.
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const source = result.outputFiles[0].text;
await init;
const [imports] = parse(source);
let code = '';
let from = 0;
for (const { type, importStart } of imports) {
  if (type !== 'dynamic') throw new Error(`bundle-cli: unexpected ${type} import at ${importStart} of ${outfile}`);
  if (source.slice(importStart, importStart + 7) !== 'import(') {
    throw new Error(`bundle-cli: no import( at ${importStart} of ${outfile}`);
  }
  code += `${source.slice(from, importStart)}__skyrunImport`;
  from = importStart + 'import'.length;
}
writeFileSync(outfile, code + source.slice(from));
