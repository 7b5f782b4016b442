import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './helpers/run-cli.js';

const fish = spawnSync('fish', ['--version']).status === 0;

describe('skyrun autocomplete fish', () => {
  it('prints a completion script covering commands, subcommands and flags', async () => {
    const result = await runCli(['autocomplete', 'fish'], { cwd: REPO_ROOT });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("complete -c skyrun -n '__skyrun_command_is' -a 'deploy'");
    expect(result.stdout).toContain("complete -c skyrun -n '__skyrun_command_is deploy' -a 'function'");
    expect(result.stdout).toContain("-l format -x -a 'yaml json text'");
  });

  it.skipIf(!fish)('completes in a real fish shell (runs only where fish is installed)', async () => {
    const result = await runCli(['autocomplete', 'fish'], { cwd: REPO_ROOT });
    const script = path.join(mkdtempSync(path.join(tmpdir(), 'skyrun-fish-')), 'skyrun.fish');
    writeFileSync(script, result.stdout);
    const complete = (line: string) =>
      spawnSync(
        'fish',
        ['--no-config', '-c', `function skyrun; end; source ${script}; complete -C ${JSON.stringify(line)}`],
        {
          encoding: 'utf8',
        },
      )
        .stdout.split('\n')
        .map((l) => l.split('\t')[0])
        .filter(Boolean);
    expect(complete('skyrun dep')).toEqual(['deploy']);
    expect(complete('skyrun deploy ')).toContain('function');
    expect(complete('skyrun invoke local --')).toEqual(expect.arrayContaining(['--function', '--data', '--env']));
    expect(complete('skyrun print --format ')).toEqual(['json', 'text', 'yaml']);
  });
});
