// Bundles the CLI (packages/cli/dist/main.js, from tsc) with @skyrun/core, @oclif/core and their
// dependencies into ES modules in packages/cli/dist: skyrun.js, which bin/run.js loads, and
// skyrun-<hash>.js chunks for what commands import on demand.
//
// Why: a no-op `skyrun deploy` spent half its time resolving, reading and linking about 300
// module files (oclif alone is about 200 CommonJS files). Pre-linked, the same code loads in less
// than half the time (bench/cli-startup, bench/deploy).
// - Providers stay outside: the CLI imports them on demand (packages/cli/src/providers.ts), and
//   they import @skyrun/core as a package. isSkyrunError recognises errors from either copy.
// - esbuild is native code and stays outside; the core loads it through `importCoreDependency`.
// - The output sits in dist/, beside main.js, so the CLI's `import.meta.url` paths
//   (`../package.json`) point where they did; the core finds its own folder by package name
//   (packages/core/src/core-package.ts).
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../packages/cli/dist');

// Chunk names change with their content: remove the previous build's.
for (const file of readdirSync(dist)) if (/^skyrun(-[A-Z0-9]+)?\.js$/.test(file)) rmSync(path.join(dist, file));

await build({
  entryPoints: [path.join(dist, 'main.js')],
  outdir: dist,
  entryNames: 'skyrun',
  chunkNames: 'skyrun-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['@skyrun/provider-*', 'esbuild', 'typescript', 'ts-node', 'tsx'],
  // oclif and yaml are CommonJS: their `require` calls need a real `require` in an ES module.
  banner: {
    js: "import { createRequire as __skyrunCreateRequire } from 'node:module'; const require = __skyrunCreateRequire(import.meta.url);",
  },
  // Class and function names stay as they are: oclif and error stacks print them.
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
});
