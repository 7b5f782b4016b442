import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cliSurface, loadCliCommands } from '../../../scripts/lib/cli-commands.mjs';

type Surface = Record<
  string,
  { flags: Record<string, unknown>; args: Record<string, unknown>; aliases: string[]; plugin: string }
>;

const SNAPSHOT = fileURLToPath(new URL('./cli-surface.snapshot.json', import.meta.url));

/** Human-readable differences, the breaking ones (removed or changed) first. */
export function describeSurfaceChanges(before: Surface, after: Surface): { breaking: string[]; added: string[] } {
  const breaking: string[] = [];
  const added: string[] = [];
  for (const [id, command] of Object.entries(before)) {
    const now = after[id];
    if (!now) {
      breaking.push(`command "${id}" was removed`);
      continue;
    }
    if (JSON.stringify(command.aliases) !== JSON.stringify(now.aliases))
      breaking.push(`"${id}" aliases changed: ${JSON.stringify(command.aliases)} → ${JSON.stringify(now.aliases)}`);
    for (const kind of ['flags', 'args'] as const) {
      for (const [name, spec] of Object.entries(command[kind])) {
        const label = kind === 'flags' ? `--${name}` : `argument ${name}`;
        if (!(name in now[kind])) breaking.push(`"${id}" ${label} was removed`);
        else if (JSON.stringify(spec) !== JSON.stringify(now[kind][name]))
          breaking.push(`"${id}" ${label} changed: ${JSON.stringify(spec)} → ${JSON.stringify(now[kind][name])}`);
      }
      for (const name of Object.keys(now[kind]))
        if (!(name in command[kind]))
          added.push(`"${id}" ${kind === 'flags' ? `--${name}` : `argument ${name}`} was added`);
    }
  }
  for (const id of Object.keys(after)) if (!before[id]) added.push(`command "${id}" was added`);
  return { breaking, added };
}

describe('CLI surface', () => {
  it('matches the committed snapshot (UPDATE_SURFACE=1 rewrites it)', async () => {
    const surface = cliSurface(await loadCliCommands()) as Surface;
    const text = `${JSON.stringify(surface, null, 2)}\n`;
    if (process.env.UPDATE_SURFACE === '1' || !existsSync(SNAPSHOT)) {
      writeFileSync(SNAPSHOT, text);
      if (process.env.UPDATE_SURFACE !== '1')
        throw new Error(`${SNAPSHOT} did not exist: written, review and commit it.`);
      return;
    }
    const committed = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as Surface;
    const { breaking, added } = describeSurfaceChanges(committed, surface);
    const report = [
      ...breaking.map((line) => `BREAKING: ${line}`),
      ...added.map((line) => `added: ${line}`),
      'If intended, run UPDATE_SURFACE=1 npx vitest run packages/cli/test/cli-surface.test.ts and commit the snapshot.',
    ].join('\n');
    expect(breaking.length + added.length === 0 && text === readFileSync(SNAPSHOT, 'utf8'), report).toBe(true);
  });

  it('keeps the v3 short flags every service command shares', async () => {
    const surface = cliSurface(await loadCliCommands()) as Surface;
    for (const id of ['deploy', 'package', 'info', 'invoke', 'logs', 'remove', 'print']) {
      const flags = surface[id]!.flags as Record<string, { char?: string }>;
      expect([flags.config?.char, flags.stage?.char, flags.region?.char], id).toEqual(['c', 's', 'r']);
    }
  });
});

describe('describeSurfaceChanges', () => {
  const base: Surface = {
    deploy: { plugin: 'p', aliases: [], args: {}, flags: { stage: { type: 'option', char: 's' } } },
  };

  it('reports a removed flag, a changed short flag and a removed command as breaking', () => {
    const changed = { deploy: { ...base.deploy!, flags: { stage: { type: 'option', char: 'S' } } } };
    expect(describeSurfaceChanges(base, changed).breaking).toEqual([
      '"deploy" --stage changed: {"type":"option","char":"s"} → {"type":"option","char":"S"}',
    ]);
    expect(describeSurfaceChanges(base, { deploy: { ...base.deploy!, flags: {} } }).breaking).toEqual([
      '"deploy" --stage was removed',
    ]);
    expect(describeSurfaceChanges(base, {}).breaking).toEqual(['command "deploy" was removed']);
  });

  it('reports additions separately', () => {
    const more = {
      deploy: { ...base.deploy!, flags: { ...base.deploy!.flags, force: { type: 'boolean' } } },
      info: base.deploy!,
    };
    expect(describeSurfaceChanges(base, more)).toEqual({
      breaking: [],
      added: ['"deploy" --force was added', 'command "info" was added'],
    });
  });
});
