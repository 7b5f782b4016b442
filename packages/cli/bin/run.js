#!/usr/bin/env node
// `skyrun --version` is answered without loading oclif (it is what scripts and health checks
// call most, and oclif's import alone costs more than a bare node start). Same output as oclif.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const { readFileSync } = await import('node:fs');
  const { name, version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  // dist/skyrun.js: the CLI and oclif in one file (scripts/bundle-cli.mjs).
  const { run } = await import('../dist/skyrun.js');
  await run(import.meta.url);
}
