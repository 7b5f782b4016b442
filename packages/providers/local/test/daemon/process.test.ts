/**
 * The CLI-side launcher and the real engine behind a spawned daemon (from dist/: build first with
 * `npx tsc -b packages/providers/local`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { daemonEntry, daemonStatus, ensureDaemon, startDaemon, stopDaemon } from '../../src/client/launcher.js';
import type { DeployResponse } from '../../src/daemon/protocol.js';
import { existsSync } from 'node:fs';
import { buildZip, fn, request, tempDir } from './helpers.js';

function requireBuild(): void {
  if (!existsSync(daemonEntry()))
    throw new Error(`${daemonEntry()} is missing: run npx tsc -b packages/providers/local first`);
}

describe('spawned daemon', () => {
  let tmp: ReturnType<typeof tempDir>;
  const homes: string[] = [];
  const savedPort = process.env.SKYRUN_PORT;
  let n = 0;
  const newHome = () => {
    const home = join(tmp.dir, `home-${n++}`);
    homes.push(home);
    return home;
  };

  beforeAll(() => {
    requireBuild();
    tmp = tempDir();
    process.env.SKYRUN_PORT = '0';
  });
  afterEach(async () => {
    await Promise.all(homes.splice(0).map((home) => stopDaemon({ home, timeoutMs: 3_000 }).catch(() => undefined)));
  });
  afterAll(() => {
    if (savedPort === undefined) delete process.env.SKYRUN_PORT;
    else process.env.SKYRUN_PORT = savedPort;
    tmp?.cleanup();
  });

  it('start, status and stop; concurrent starts share one daemon', async () => {
    const home = newHome();
    expect(await daemonStatus({ home })).toMatchObject({ running: false, home });
    const [a, b, c] = await Promise.all([startDaemon({ home }), startDaemon({ home }), ensureDaemon({ home })]);
    const pid = a.running ? a.pid : 0;
    expect(pid).toBeGreaterThan(0);
    expect(b).toMatchObject({ running: true, pid });
    expect((await c.status()).pid).toBe(pid);
    expect(await daemonStatus({ home })).toMatchObject({ running: true, pid, services: [], queuedEvents: 0 });
    expect(await stopDaemon({ home })).toEqual({ stopped: true, pid });
    expect(await daemonStatus({ home })).toMatchObject({ running: false });
    expect(await stopDaemon({ home })).toEqual({ stopped: false });
    // No daemon spawned by the losing starts takes over later.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await daemonStatus({ home })).toMatchObject({ running: false });
  });

  it('a daemon that cannot start fails with its log file in the hint', async () => {
    const home = newHome();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'state.json'), '{"format": 99}');
    const error = await ensureDaemon({ home, startTimeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'LOCAL_DAEMON_START_FAILED', exitCode: 5 });
    expect((error as Error).message).toContain('is not a skyrun local state file');
    expect((error as { hint: string }).hint).toContain(join(home, 'daemon.log'));
  });

  it('real engine: a failed init keeps the old version, a redeploy under load drops no request', async () => {
    const home = newHome();
    const client = await ensureDaemon({ home });
    const v1 = await buildZip(tmp.dir, 'v1', {
      'index.mjs': 'export const handler = async () => ({ statusCode: 200, body: "v1" });',
    });
    const route = { api: 'http' as const, payloadVersion: '2.0' as const, method: 'GET', path: '/v' };
    const first = await client.request<DeployResponse>(
      'POST',
      '/deploy',
      request([fn('web', v1, { routes: [route] })]),
    );
    const url = first.info.endpoints[0]!.url;
    expect(await (await fetch(url)).text()).toBe('v1');

    const broken = await buildZip(tmp.dir, 'broken', {
      'index.mjs': 'export const handler = async () => {{ syntax error',
    });
    await expect(
      client.request('POST', '/deploy', request([fn('web', broken, { routes: [route] })])),
    ).rejects.toMatchObject({
      code: 'LOCAL_FUNCTION_INIT_FAILED',
      message: expect.stringMatching(/function "web" failed to initialise: .*Syntax/),
    });
    expect(await (await fetch(url)).text()).toBe('v1');

    const v2 = await buildZip(tmp.dir, 'v2', {
      'index.mjs': 'export const handler = async () => ({ statusCode: 200, body: "v2" });',
    });
    let stop = false;
    const bodies: string[] = [];
    const statuses: number[] = [];
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!stop) {
          const res = await fetch(url);
          statuses.push(res.status);
          bodies.push(await res.text());
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 200));
    const second = await client.request<DeployResponse>(
      'POST',
      '/deploy',
      request([fn('web', v2, { routes: [route] })]),
    );
    await new Promise((r) => setTimeout(r, 200));
    stop = true;
    await load;
    expect(second.info.functions[0]).toMatchObject({ version: '2' });
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(new Set(bodies)).toEqual(new Set(['v1', 'v2']));
    expect(bodies.at(-1)).toBe('v2');
  }, 30_000);
});
