import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'skyrun-invoke-local-'));
  cpSync(path.join(FIXTURES, 'invoke-local'), dir, { recursive: true });
});

describe('skyrun invoke local', () => {
  it('runs the handler with the merged environment, -d data and -e variables', async () => {
    const result = await runCli(['invoke', 'local', '-f', 'greet', '-d', '{"name":"Ada"}', '-e', 'EXTRA=yes'], {
      cwd: dir,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('greeting Ada');
    const json = JSON.parse(result.stdout.slice(result.stdout.indexOf('{')));
    expect(json).toEqual({ message: 'hello Ada', fn: 'locally-dev-greet', extra: 'yes' });
  });

  it('reads the event from a file with -p', async () => {
    writeFileSync(path.join(dir, 'event.json'), '{"name":"Grace"}');
    const result = await runCli(['invoke', 'local', '-f', 'greet', '-p', 'event.json', '--json'], { cwd: dir });
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout.slice(result.stdout.indexOf('{\n')));
    expect(json.payload.message).toBe('hello Grace');
  });

  it('reports a failing handler with exit code 6 and the error', async () => {
    const result = await runCli(['invoke', 'local', '-f', 'fail'], { cwd: dir });
    expect(result.status).toBe(6);
    expect(result.stdout).toContain('nope');
    expect(result.stderr).toContain('Function failed');
  });

  it('bundles and runs a TypeScript handler', async () => {
    const result = await runCli(['invoke', 'local', '-f', 'typed', '-d', '{"n":21}'], { cwd: dir });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ doubled: 42 });
  });

  it('suggests the right function name', async () => {
    const result = await runCli(['invoke', 'local', '-f', 'gret'], { cwd: dir });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('greet');
  });
});
