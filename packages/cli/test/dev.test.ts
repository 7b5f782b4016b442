// `skyrun dev` through the built binary: deploy, serve, redeploy on a file change, stream logs,
// remove the ephemeral stage on SIGINT. Bounded waits; 127.0.0.1 only; own SKYRUN_HOME.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { BIN, runCli } from './helpers/run-cli.js';

const temp = mkdtempSync(path.join(tmpdir(), 'skyrun-dev-'));
const env = { SKYRUN_HOME: path.join(temp, 'home'), SKYRUN_PORT: '0' };
const dir = path.join(temp, 'svc');

afterAll(async () => {
  await runCli(['local', 'stop'], { cwd: temp, env, timeoutMs: 20_000 });
  rmSync(temp, { recursive: true, force: true });
}, 30_000);

async function waitFor(read: () => string, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = read().match(pattern);
    if (match) return match;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Timed out waiting for ${pattern}. Output so far:\n${read()}`);
}

it('deploys, redeploys a changed handler, streams its logs and removes the stage on Ctrl-C', async () => {
  expect((await runCli(['create', '-t', 'local-nodejs', '-p', dir, '-n', 'devsvc'], { cwd: temp, env })).status).toBe(
    0,
  );
  const child = spawn(process.execPath, [BIN, 'dev', '--stage', 'scratch'], {
    cwd: dir,
    env: { ...process.env, NODE_ENV: undefined, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    const [url] = await waitFor(() => out, /http:\/\/127\.0\.0\.1:\d+\/hello/);
    await waitFor(() => out, /Watching for changes/);
    expect(await (await fetch(url)).json()).toEqual({ message: 'Hello, world!' });

    const handler = path.join(dir, 'handler.js');
    writeFileSync(handler, readFileSync(handler, 'utf8').replace('Hello, ${', 'Hello, dev ${'));
    await waitFor(() => out, /redeployed hello/);
    expect(await (await fetch(url)).json()).toEqual({ message: 'Hello, dev world!' });
    await waitFor(() => out, /devsvc-scratch-hello\s+.*GET \/hello/);
  } finally {
    child.kill('SIGINT');
  }
  expect(await exited).toBe(0);
  expect(out).toContain('Removed stage scratch');
  await expect(fetch(url0(out))).rejects.toThrow();
}, 60_000);

function url0(out: string): string {
  return out.match(/http:\/\/127\.0\.0\.1:\d+\/hello/)![0];
}
