// Every template, end to end on the embedded local runtime, through the built binary:
// create → package → deploy → HTTP request → invoke → logs → remove. Run `pnpm build` first.
// Everything stays on 127.0.0.1; the daemon gets its own SKYRUN_HOME and a free port, and is
// stopped in afterAll.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, type CliResult } from './helpers/run-cli.js';

const temp = mkdtempSync(path.join(tmpdir(), 'skyrun-e2e-'));
const home = path.join(temp, 'home');
const env = { SKYRUN_HOME: home, SKYRUN_PORT: '0' };
const TEMPLATES_DIR = path.join(REPO_ROOT, 'templates');
const templates = readdirSync(TEMPLATES_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(path.join(TEMPLATES_DIR, entry.name, 'template.json')))
  .map((entry) => entry.name);

/** What each template's hello answers to `GET /hello` with no query string. */
const GREETING: Record<string, string> = { 'multi-cloud-starter': 'Hello from dev, world!' };

function ok(result: CliResult, what: string): CliResult {
  expect(result.status, `${what} failed:\nstdout: ${result.stdout}\nstderr: ${result.stderr}`).toBe(0);
  return result;
}

async function stopDaemon(): Promise<void> {
  const stopped = await runCli(['local', 'stop'], { cwd: temp, env, timeoutMs: 20_000 }).catch(() => undefined);
  if (stopped?.status === 0) return;
  // No `skyrun local stop` (yet): stop it through its pid file.
  const pidFile = path.join(home, 'daemon.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && alive(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  if (alive()) process.kill(pid, 'SIGKILL');
}

afterAll(async () => {
  await stopDaemon();
  rmSync(temp, { recursive: true, force: true });
}, 60_000);

describe.each(templates)('template %s on the local runtime', (template) => {
  const name = `e2e-${template}`;
  const dir = path.join(temp, name);
  const cli = (args: string[]) => runCli(args, { cwd: dir, env, timeoutMs: 90_000 });

  it('creates, packages, deploys, serves, invokes, logs and removes', async () => {
    ok(await runCli(['create', '--template', template, '--name', name], { cwd: temp, env }), 'create');

    ok(await cli(['package']), 'package');
    expect(existsSync(path.join(dir, '.serverless', 'manifest.json'))).toBe(true);

    const deployed = JSON.parse(ok(await cli(['deploy', '--json']), 'deploy').stdout) as {
      service: string;
      endpoints: { method: string; url: string; function: string }[];
    };
    expect(deployed.service).toBe(name);
    const endpoint = deployed.endpoints.find((e) => e.function === 'hello');
    expect(endpoint, JSON.stringify(deployed.endpoints)).toBeDefined();
    const url = new URL(endpoint!.url);
    expect(url.hostname).toBe('127.0.0.1');

    const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ message: GREETING[template] ?? 'Hello, world!' });

    const invoked = ok(
      await cli(['invoke', '-f', 'hello', '-d', '{"queryStringParameters":{"name":"Ada"}}']),
      'invoke',
    );
    const payload = JSON.parse(invoked.stdout) as { statusCode: number; body: string };
    expect(payload.statusCode).toBe(200);
    expect((JSON.parse(payload.body) as { message: string }).message).toMatch(/, Ada!$/);

    // Log lines reach the store asynchronously: poll briefly.
    let logs = '';
    for (let attempt = 0; attempt < 20 && !logs.includes('hello called: GET /hello'); attempt++) {
      if (attempt) await new Promise((resolve) => setTimeout(resolve, 250));
      logs = ok(await cli(['logs', '-f', 'hello']), 'logs').stdout;
    }
    expect(logs).toContain('hello called: GET /hello');
    expect(logs).toContain('hello called: direct');

    ok(await cli(['remove']), 'remove');
    const gone = await fetch(url, { signal: AbortSignal.timeout(15_000) }).then(
      (r) => r.status,
      () => 'refused',
    );
    expect(gone).not.toBe(200);
  }, 300_000);
});
