import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDaemonServer, type DaemonServer } from '../../src/daemon/server.js';
import { createFakeDataPlane } from './fake-data-plane.js';
import { buildZip, fn, request, tempDir } from './helpers.js';

describe('async invocations', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: DaemonServer | undefined;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(async () => {
    await server?.close();
    tmp.cleanup();
  });

  it('delivers an Event invocation through the Invoke API with 202 after storing it', async () => {
    const plane = createFakeDataPlane();
    server = await startDaemonServer({ home: join(tmp.dir, 'home'), port: 0, dataPlane: plane, report: () => {} });
    const zip = await buildZip(tmp.dir, 'a', { 'behaviour.json': '{}' });
    await server.daemon.deploy(request([fn('a', zip)]));
    const res = await fetch(`http://127.0.0.1:${server.port}/2015-03-31/functions/svc-dev-a/invocations`, {
      method: 'POST',
      headers: { 'x-amz-invocation-type': 'Event' },
      body: JSON.stringify({ n: 1 }),
    });
    expect(res.status).toBe(202);
    const id = res.headers.get('x-amzn-requestid');
    await server.queue.idle();
    expect(plane.engine.invocations).toEqual([{ name: 'svc-dev-a', version: '1', event: { n: 1 }, requestId: id }]);
    expect(readdirSync(join(tmp.dir, 'home', 'queue'))).toEqual([]);
    const unknown = await fetch(`http://127.0.0.1:${server.port}/2015-03-31/functions/nope/invocations`, {
      method: 'POST',
      headers: { 'x-amz-invocation-type': 'Event' },
      body: '{}',
    });
    expect(unknown.status).toBe(404);
  });

  it('retries a failing event twice, then drops it and says so in the function log', async () => {
    const plane = createFakeDataPlane();
    server = await startDaemonServer({
      home: join(tmp.dir, 'home'),
      port: 0,
      dataPlane: plane,
      asyncRetryDelaysMs: [20, 40],
      report: () => {},
    });
    const zip = await buildZip(tmp.dir, 'a', { 'behaviour.json': JSON.stringify({ fail: 'boom' }) });
    await server.daemon.deploy(request([fn('a', zip)]));
    const res = await server.daemon.invoke({
      service: 'svc',
      stage: 'dev',
      function: 'a',
      payload: { x: 1 },
      type: 'Event',
      log: false,
    });
    expect(res.statusCode).toBe(202);
    await server.queue.idle();
    expect(plane.engine.invocations.map((i) => i.requestId)).toEqual([res.requestId, res.requestId, res.requestId]);
    const lines = server.logs
      .query({ service: 'svc', stage: 'dev', key: 'a', filter: 'Async invocation' })
      .map((l) => l.message);
    expect(lines).toEqual([
      `Async invocation ${res.requestId} attempt 1 failed (Unhandled Error: boom); retrying in 20 ms`,
      `Async invocation ${res.requestId} attempt 2 failed (Unhandled Error: boom); retrying in 40 ms`,
      `Async invocation ${res.requestId} failed after 3 attempts and was dropped (Unhandled Error: boom)`,
    ]);
    expect(readdirSync(join(tmp.dir, 'home', 'queue'))).toEqual([]);
  });

  it('keeps queued events across a restart, attempts counted', async () => {
    const home = join(tmp.dir, 'home');
    let plane = createFakeDataPlane();
    server = await startDaemonServer({
      home,
      port: 0,
      dataPlane: plane,
      asyncRetryDelaysMs: [60_000, 60_000],
      report: () => {},
    });
    const zip = await buildZip(tmp.dir, 'a', { 'behaviour.json': JSON.stringify({ fail: 'boom' }) });
    await server.daemon.deploy(request([fn('a', zip)]));
    const { requestId } = await server.daemon.invoke({
      service: 'svc',
      stage: 'dev',
      function: 'a',
      payload: 7,
      type: 'Event',
      log: false,
    });
    await expect.poll(() => plane.engine.invocations.length).toBe(1);
    await expect.poll(() => server!.queue.pending()[0]?.attempts).toBe(1);
    await server.close();
    expect(readdirSync(join(home, 'queue'))).toEqual([`${requestId}.json`]);

    plane = createFakeDataPlane();
    server = await startDaemonServer({
      home,
      port: 0,
      dataPlane: plane,
      asyncRetryDelaysMs: [10, 10],
      report: () => {},
    });
    expect(server.queue.size).toBe(1);
    // The stored retry time is a minute away: move it to now so the test does not wait.
    const pending = server.queue.pending()[0]!;
    expect(pending).toMatchObject({ id: requestId, attempts: 1, payload: 7 });
    await server.close();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(home, 'queue', `${requestId}.json`), JSON.stringify({ ...pending, nextAttemptAt: 0 }));
    plane = createFakeDataPlane();
    server = await startDaemonServer({
      home,
      port: 0,
      dataPlane: plane,
      asyncRetryDelaysMs: [10, 10],
      report: () => {},
    });
    await server.queue.idle();
    // Two more attempts after the restart: three in all.
    expect(plane.engine.invocations.map((i) => i.requestId)).toEqual([requestId, requestId]);
    expect(server.logs.query({ service: 'svc', stage: 'dev', key: 'a', filter: 'dropped' })).toHaveLength(1);
  });
});
