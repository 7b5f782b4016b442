import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCliCommands } from '../../../scripts/lib/cli-commands.mjs';
import { REPO_ROOT, runCli } from './helpers/run-cli.js';

describe('--help', () => {
  it('every command has a summary and at least one example', async () => {
    const missing = (await loadCliCommands())
      .filter((command) => !(command.summary ?? command.description) || !command.examples?.length)
      .map((command) => command.id);
    expect(missing, `commands without a summary or examples: ${missing.join(', ')}`).toEqual([]);
  });

  it('skyrun create --help shows the flags and the examples', async () => {
    const result = await runCli(['create', '--help'], { cwd: REPO_ROOT });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('EXAMPLES');
    expect(result.stdout).toContain('$ skyrun create --template local-nodejs --name my-api');
    expect(result.stdout).toMatch(/-t, --template=<value>/);
  });

  it('skyrun autocomplete bash prints the setup instructions (plugin loaded with the explicit strategy)', async () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'skyrun-autocomplete-'));
    try {
      const result = await runCli(['autocomplete', 'bash'], { cwd: REPO_ROOT, env: { XDG_CACHE_HOME: cache } });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain('skyrun autocomplete script bash');
      const script = await runCli(['autocomplete', 'script', 'bash'], {
        cwd: REPO_ROOT,
        env: { XDG_CACHE_HOME: cache },
      });
      expect(script.stdout).toContain('SKYRUN_AC_BASH_SETUP_PATH=');
      const completions = readFileSync(
        path.join(cache, 'skyrun', 'autocomplete', 'functions', 'bash', 'skyrun.bash'),
        'utf8',
      );
      expect(completions).toMatch(/^create .*--template/m);
      expect(completions).toMatch(/^deploy .*--stage/m);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
