// `skyrun package` and `skyrun deploy --package DIR` through the built binary.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './helpers/run-cli.js';

const temp = mkdtempSync(path.join(tmpdir(), 'skyrun-package-'));
const env = { SKYRUN_HOME: path.join(temp, 'home'), SKYRUN_PORT: '0' };
const dir = path.join(temp, 'svc');

afterAll(async () => {
  await runCli(['local', 'stop'], { cwd: temp, env, timeoutMs: 20_000 });
  rmSync(temp, { recursive: true, force: true });
}, 30_000);

it('packages into --package DIR with a summary table, then deploys exactly that package', async () => {
  cpSync(path.join(REPO_ROOT, 'templates/local-nodejs'), dir, { recursive: true });
  const packaged = await runCli(['package', '--package', 'build'], { cwd: dir, env });
  expect(packaged.status, packaged.stderr).toBe(0);
  expect(packaged.stdout).toMatch(/FUNCTIONS\s+SIZE\s+FILES\s+MODE/);
  expect(packaged.stdout).toMatch(/hello, tick\s+[\d.]+ (B|KB)\s+\d+\s+copy/);
  expect(existsSync(path.join(dir, 'build', 'manifest.json'))).toBe(true);

  const json = await runCli(['package', '--package', 'build', '--json'], { cwd: dir, env });
  const manifest = JSON.parse(json.stdout);
  expect(manifest.artifacts).toHaveLength(1);
  expect(manifest.artifacts[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(manifest.artifacts[0].functions).toEqual(['hello', 'tick']);

  const deployed = await runCli(['deploy', '--package', 'build', '--json'], { cwd: dir, env });
  expect(deployed.status, deployed.stderr).toBe(0);
  const result = JSON.parse(deployed.stdout);
  expect(result.changes.map((c: { action: string }) => c.action)).toContain('create');
  expect((await fetch(result.endpoints[0].url)).status).toBe(200);
  expect(existsSync(path.join(dir, '.serverless'))).toBe(false);
});

it('deploy function replaces one function and leaves the others at their version', async () => {
  const handler = path.join(dir, 'handler.js');
  writeFileSync(handler, readFileSync(handler, 'utf8').replace('Hello, ${', 'Howdy, ${'));
  const result = await runCli(['deploy', 'function', '-f', 'hello', '--json'], { cwd: dir, env });
  expect(result.status, result.stderr).toBe(0);
  const deployed = JSON.parse(result.stdout);
  const versions = Object.fromEntries(
    deployed.functions.map((f: { key: string; version: string }) => [f.key, f.version]),
  );
  expect(versions).toEqual({ hello: '2', tick: '1' });
  const info = JSON.parse((await runCli(['info', '--json'], { cwd: dir, env })).stdout);
  const body = await (await fetch(info.endpoints[0].url)).json();
  expect(body.message).toMatch(/^Howdy, /);
});

it('invokes with --log, --type Event and DryRun, and filters logs', async () => {
  const sync = await runCli(['invoke', '-f', 'hello', '--log', '-d', '{"rawPath":"/direct"}'], { cwd: dir, env });
  expect(sync.status, sync.stderr).toBe(0);
  expect(JSON.parse(sync.stdout).statusCode).toBe(200);
  expect(sync.stderr).toMatch(/REPORT RequestId: \S+\tDuration: [\d.]+ ms/);

  const queued = await runCli(['invoke', '-f', 'tick', '--type', 'Event'], { cwd: dir, env });
  expect(queued.status, queued.stderr).toBe(0);
  expect(queued.stderr).toContain('Queued for asynchronous invocation');
  const dry = await runCli(['invoke', '-f', 'tick', '--type', 'DryRun'], { cwd: dir, env });
  expect(dry.stderr).toContain('Dry run');

  const deadline = Date.now() + 10_000;
  let logs = '';
  while (Date.now() < deadline && !logs.includes('tick at')) {
    logs = (await runCli(['logs', '-f', 'tick', '--startTime', '5m'], { cwd: dir, env })).stdout;
  }
  expect(logs).toContain('tick at');
  const filtered = await runCli(['logs', '-f', 'hello', '--filter', 'REPORT'], { cwd: dir, env });
  const lines = filtered.stdout.trim().split('\n');
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.every((line) => line.includes('REPORT'))).toBe(true);
  const bad = await runCli(['logs', '-f', 'hello', '--startTime', 'yesterday-ish'], { cwd: dir, env });
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain('neither a duration nor a date');
});

it('explains a missing package directory', async () => {
  const result = await runCli(['deploy', '--package', 'nowhere'], { cwd: dir, env });
  expect(result.status).toBe(4);
  expect(result.stderr).toContain('manifest.json is missing');
  expect(result.stderr).toContain('skyrun package --package nowhere');
});

it("shows a provider's error with its message, hint and exit code", async () => {
  // The provider throws from its own import of @skyrun/core; the CLI bundles another copy.
  const result = await runCli(['info', '--stage', 'never-deployed'], { cwd: dir, env });
  expect(result.status).toBe(5);
  expect(result.stderr).toContain('(stage never-deployed) is not deployed on the local runtime.');
  expect(result.stderr).toContain('Hint: Run skyrun deploy first.');
  expect(result.stderr).not.toContain('unexpected failure');
});
