#!/usr/bin/env node
// `skyrun --version` is answered without loading oclif (it is what scripts and health checks
// call most, and oclif's import alone costs more than a bare node start). Same output as oclif.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const { readFileSync } = await import('node:fs');
  const { name, version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  // dist/skyrun.cjs: the CLI, the core and oclif in one file (scripts/bundle-cli.mjs), run with
  // V8's code cache kept in $SKYRUN_HOME/cache/cli.
  const [{ fileURLToPath }, { loadBundle }, { skyrunCacheDir }] = await Promise.all([
    import('node:url'),
    import('../dist/bundle-loader.js'),
    import('@skyrun/core/skyrun-home'),
  ]);
  const { run } = loadBundle(fileURLToPath(new URL('../dist/skyrun.cjs', import.meta.url)), skyrunCacheDir('cli'));
  await run(import.meta.url);
}
