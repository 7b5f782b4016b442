// The CLI's commands as oclif sees them (COMMANDS from packages/cli/dist/commands.js plus the
// registered plugins), for the surface snapshot and the command reference. Needs a build.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const CLI_ROOT = fileURLToPath(new URL('../../packages/cli/', import.meta.url));

/** Every visible command, sorted by id, with `id` using spaces (`deploy function`). */
export async function loadCliCommands(root = CLI_ROOT) {
  // @oclif/core is a dependency of the CLI, not of the workspace root: resolve it from there.
  const require = createRequire(`${root}/package.json`);
  const { Config } = await import(require.resolve('@oclif/core'));
  const config = await Config.load({ root });
  return config.commands
    .filter((command) => !command.hidden)
    .map((command) => ({ ...command, id: command.id.replaceAll(':', ' ') }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

const FLAG_KEYS = [
  'type',
  'char',
  'aliases',
  'charAliases',
  'options',
  'required',
  'multiple',
  'default',
  'allowNo',
  'exclusive',
  'dependsOn',
  'exactlyOne',
];
const ARG_KEYS = ['required', 'options', 'default'];

function pick(source, keys) {
  const out = {};
  for (const key of keys) {
    const value = source[key];
    if (value === undefined || value === false || typeof value === 'function') continue;
    if (Array.isArray(value) && value.length === 0) continue;
    // Order within these lists means nothing to a caller: sort so reordering is no change.
    out[key] = Array.isArray(value) ? [...value].map(String).sort() : value;
  }
  return out;
}

function sortedEntries(record, keys) {
  return Object.fromEntries(
    Object.keys(record ?? {})
      .sort()
      .map((name) => [name, pick(record[name], keys)]),
  );
}

/**
 * What scripts and users rely on: commands, their aliases, flags (type, short char, aliases,
 * allowed values, required, default) and arguments. Descriptions are left out on purpose:
 * rewording help is not a breaking change.
 */
export function cliSurface(commands) {
  return Object.fromEntries(
    commands.map((command) => [
      command.id,
      {
        plugin: command.pluginName,
        aliases: [...(command.aliases ?? [])].sort(),
        args: sortedEntries(command.args, ARG_KEYS),
        flags: sortedEntries(command.flags, FLAG_KEYS),
      },
    ]),
  );
}
