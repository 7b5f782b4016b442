import { execute } from '@oclif/core';

export { COMMANDS } from './commands.js';
export { default as SkyrunHelp } from './help.js';

/**
 * The CLI's entry: `bin/run.js` runs this module from `dist/skyrun.cjs`, the build's one-file
 * bundle of the CLI and oclif (see scripts/bundle-cli.mjs), and oclif's `commands` and
 * `helpClass` point back into the same file, so one copy of oclif serves the whole run.
 */
export async function run(dir: string): Promise<void> {
  await execute({ dir });
}
