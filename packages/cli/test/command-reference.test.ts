import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCRIPT = path.join(ROOT, 'scripts', 'command-reference.mjs');
const DOC = path.join(ROOT, 'docs', 'commands.md');
const temp = mkdtempSync(path.join(tmpdir(), 'skyrun-docs-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const run = (...args: string[]) =>
  spawnSync(process.execPath, [SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });

describe('docs/commands.md', () => {
  it('is up to date with the commands (node scripts/command-reference.mjs --check)', () => {
    const result = run('--check');
    expect(result.status, result.stderr).toBe(0);
  });

  it('documents every command with its examples', () => {
    const doc = readFileSync(DOC, 'utf8');
    for (const id of ['create', 'schema', 'deploy', 'deploy function', 'invoke', 'logs', 'remove', 'autocomplete']) {
      expect(doc).toContain(`## \`skyrun ${id}\``);
    }
    expect(doc).toContain('skyrun create --template local-nodejs --name my-api');
    expect(doc).toContain('# yaml-language-server: $schema=.skyrun/schema.json');
  });

  it('--check fails on a stale copy and passes once regenerated', () => {
    const copy = path.join(temp, 'commands.md');
    writeFileSync(copy, readFileSync(DOC, 'utf8').replace('Create a new service from a template.', 'Something else.'));
    const stale = run('--check', '--file', copy);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('is stale');
    expect(run('--file', copy).status).toBe(0);
    expect(run('--check', '--file', copy).status).toBe(0);
  });
});
