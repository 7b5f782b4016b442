/**
 * The daemon as a real detached process from dist/ (build first: `npx tsc -b packages/providers/local`),
 * with the real engine: deploy, SIGKILL, restart; services, schedules, queued async events and
 * acknowledged log lines come back.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDaemon, daemonEntry, ensureDaemon, stopDaemon } from '../../src/client/launcher.js';
import type { DaemonClient } from '../../src/client/daemon-client.js';
import type { DeployResponse, InvokeResponseDto, StoredLogLine } from '../../src/daemon/protocol.js';
import { buildZip, fn, request, tempDir } from './helpers.js';

function requireBuild(): void {
  if (!existsSync(daemonEntry()))
    throw new Error(`${daemonEntry()} is missing: run npx tsc -b packages/providers/local first`);
}

const HANDLER = `
let calls = 0;
export const handler = async (event) => {
  calls++;
  console.log('got ' + JSON.stringify(event));
  if (event && event.fail) throw new Error('asked to fail');
  return { statusCode: 200, body: JSON.stringify({ ok: true, calls }) };
};
`;

async function logsOf(client: DaemonClient, key: string, filter?: string): Promise<StoredLogLine[]> {
  const out: StoredLogLine[] = [];
  for await (const line of client.streamLogs({ service: 'svc', stage: 'dev', function: key, filter })) out.push(line);
  return out;
}

function killHard(pid: number): void {
  process.kill(pid, 'SIGKILL');
}

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`pid ${pid} still alive`);
}

describe('daemon process: SIGKILL and restart', () => {
  let tmp: ReturnType<typeof tempDir>;
  let home: string;
  const pids = new Set<number>();
  const env = { ...process.env };

  beforeAll(() => {
    requireBuild();
    tmp = tempDir();
    home = join(tmp.dir, 'home');
    // Rate schedules tick 600x faster (1 minute = 100 ms); async retries wait 3 s.
    process.env.SKYRUN_INTERNAL_SCHEDULE_SPEEDUP = '600';
    process.env.SKYRUN_INTERNAL_ASYNC_RETRY_MS = '3000';
    process.env.SKYRUN_PORT = '0';
  });
  afterAll(async () => {
    await stopDaemon({ home, timeoutMs: 3_000 }).catch(() => undefined);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    process.env = env;
    tmp?.cleanup();
  });

  it('brings back services, schedules, queued events and logs', async () => {
    const client = await ensureDaemon({ home });
    const first = await client.status();
    pids.add(first.pid);
    expect(readFileSync(join(home, 'daemon.token')).length).toBe(64);
    const zip = await buildZip(tmp.dir, 'app', { 'index.mjs': HANDLER });
    const route = { api: 'http' as const, payloadVersion: '2.0' as const, method: 'GET', path: '/hello' };
    const started = Date.now();
    const deployed = await client.request<DeployResponse>(
      'POST',
      '/deploy',
      request([
        fn('web', zip, { routes: [route] }),
        fn('tick', zip, { schedules: [{ expression: 'rate(1 minute)', enabled: true, input: { tick: true } }] }),
        fn('flaky', zip),
      ]),
    );
    const url = deployed.info.endpoints[0]!.url;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true });
    // Budget is measured in bench/; this only guards against pathological slowness.
    expect(Date.now() - started).toBeLessThan(10_000);

    const sync = await client.request<InvokeResponseDto>('POST', '/invoke', {
      service: 'svc',
      stage: 'dev',
      function: 'web',
      payload: { n: 'acked' },
      type: 'RequestResponse',
      log: true,
    });
    expect(sync.statusCode).toBe(200);
    expect(sync.logs).toContain('got {"n":"acked"}');
    // A failing event: attempt 1 fails at once, the retry waits 3 s: we kill the daemon in between.
    const queued = await client.request<InvokeResponseDto>('POST', '/invoke', {
      service: 'svc',
      stage: 'dev',
      function: 'flaky',
      payload: { fail: true },
      type: 'Event',
      log: false,
    });
    expect(queued.statusCode).toBe(202);
    await expect
      .poll(async () => (await logsOf(client, 'flaky', 'attempt 1 failed')).length, { timeout: 5_000 })
      .toBe(1);
    await expect
      .poll(async () => (await logsOf(client, 'tick', 'got {"tick":true}')).length, { timeout: 5_000 })
      .toBeGreaterThan(0);

    killHard(first.pid);
    await waitGone(first.pid);
    expect(await connectDaemon(home)).toBeUndefined();
    expect(readdirSync(join(home, 'queue'))).toContain(`${queued.requestId}.json`);

    const again = await ensureDaemon({ home });
    const second = await again.status();
    pids.add(second.pid);
    expect(second.pid).not.toBe(first.pid);
    expect(second.services).toEqual([{ service: 'svc', stage: 'dev', apiPort: deployed.info.apiPort, functions: 3 }]);
    // The same URL answers again.
    expect((await fetch(url)).status).toBe(200);
    // Acknowledged log lines survived the kill.
    expect((await logsOf(again, 'web', 'got {"n":"acked"}')).length).toBe(1);
    // The schedule fires again.
    const ticksBefore = (await logsOf(again, 'tick', 'got {"tick":true}')).length;
    await expect
      .poll(async () => (await logsOf(again, 'tick', 'got {"tick":true}')).length, { timeout: 5_000 })
      .toBeGreaterThan(ticksBefore);
    // The queued event is retried after the restart: attempts 2 and 3, then dropped.
    await expect
      .poll(async () => (await logsOf(again, 'flaky', 'failed after 3 attempts')).length, {
        timeout: 15_000,
        interval: 200,
      })
      .toBe(1);
    expect((await logsOf(again, 'flaky', 'got {"fail":true}')).length).toBe(3);
    // (schedule ticks may be in flight; the failed event is gone)
    expect(readdirSync(join(home, 'queue'))).not.toContain(`${queued.requestId}.json`);

    const stopped = await stopDaemon({ home });
    expect(stopped).toEqual({ stopped: true, pid: second.pid });
    expect(existsSync(join(home, 'daemon.json'))).toBe(false);
  }, 60_000);
});
