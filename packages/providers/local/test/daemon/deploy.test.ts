import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDaemonServer, type DaemonServer } from '../../src/daemon/server.js';
import { DaemonError } from '../../src/daemon/daemon-error.js';
import { createFakeDataPlane } from './fake-data-plane.js';
import { buildZip, fn, httpGet, request, tempDir } from './helpers.js';

const ok = (response: unknown = 'ok') => ({ 'behaviour.json': JSON.stringify({ response }) });

describe('deploys', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: DaemonServer | undefined;
  let plane: ReturnType<typeof createFakeDataPlane>;
  const start = async () => {
    plane = createFakeDataPlane();
    server = await startDaemonServer({
      home: join(tmp.dir, 'home'),
      port: 0,
      dataPlane: plane,
      gcDelayMs: 10,
      report: () => {},
    });
    return server;
  };

  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    tmp.cleanup();
  });

  it('plans and applies create, update, unchanged and delete', async () => {
    const { daemon } = await start();
    const a1 = await buildZip(tmp.dir, 'a1', ok('a1'));
    const b1 = await buildZip(tmp.dir, 'b1', ok('b1'));
    const route = { api: 'http' as const, payloadVersion: '2.0' as const, method: 'GET', path: '/a/{id}' };
    const first = request([fn('a', a1, { routes: [route] }), fn('b', b1)]);
    expect(daemon.plan(first).changes.filter((c) => c.resource === 'function')).toEqual([
      { action: 'create', resource: 'function', name: 'a' },
      { action: 'create', resource: 'function', name: 'b' },
    ]);
    const deployed = await daemon.deploy(first);
    expect(deployed.info.functions.map((f) => [f.key, f.version])).toEqual([
      ['a', '1'],
      ['b', '1'],
    ]);
    expect(deployed.info.endpoints).toEqual([
      { method: 'GET', url: `http://127.0.0.1:${deployed.info.apiPort}/a/{id}`, function: 'a' },
    ]);
    expect((await httpGet(`http://127.0.0.1:${deployed.info.apiPort}/a/42`)).body).toBe('"a1"');

    // No-op: nothing prepared, nothing extracted.
    const preparedBefore = plane.engine.prepared.length;
    const noop = await daemon.deploy(first);
    expect(noop.changes.filter((c) => c.action !== 'unchanged')).toEqual([]);
    expect(plane.engine.prepared.length).toBe(preparedBefore);

    // a: code changed; b: deleted; c: created; a's environment on c.
    const a2 = await buildZip(tmp.dir, 'a2', ok('a2'));
    const second = request([fn('a', a2, { routes: [route] }), fn('c', b1, { environment: { X: '1' } })]);
    const plan = daemon.plan(second).changes.filter((c) => c.resource === 'function');
    expect(plan).toEqual([
      { action: 'update', resource: 'function', name: 'a', reason: 'code changed' },
      { action: 'create', resource: 'function', name: 'c' },
      { action: 'delete', resource: 'function', name: 'b' },
    ]);
    const after = await daemon.deploy(second);
    expect(after.info.functions.map((f) => [f.key, f.version])).toEqual([
      ['a', '2'],
      ['c', '1'],
    ]);
    expect(plane.engine.has('svc-dev-b')).toBe(false);
    expect(after.info.apiPort).toBe(deployed.info.apiPort);
    expect((await httpGet(`http://127.0.0.1:${after.info.apiPort}/a/1`)).body).toBe('"a2"');

    // Config-only change.
    const third = request([
      fn('a', a2, { routes: [route], timeoutMs: 1000 }),
      fn('c', b1, { environment: { X: '1' } }),
    ]);
    expect(daemon.plan(third).changes.find((c) => c.name === 'a')).toMatchObject({
      action: 'update',
      reason: 'configuration changed',
    });

    // The unreferenced artifact a1 is collected.
    await new Promise((r) => setTimeout(r, 50));
    const dirs = readdirSync(join(tmp.dir, 'home', 'artifacts'));
    expect(dirs.sort()).toEqual([a2.sha256, b1.sha256].sort());

    const state = JSON.parse(readFileSync(join(tmp.dir, 'home', 'state.json'), 'utf8'));
    // Environments (secrets) and the control token are private to the user.
    expect(statSync(join(tmp.dir, 'home', 'state.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(tmp.dir, 'home', 'daemon.token')).mode & 0o777).toBe(0o600);
    expect(Object.keys(state.services['svc:dev'].functions).sort()).toEqual(['a', 'c']);
  });

  it('keeps the previous version serving when an init fails, and names the function', async () => {
    const { daemon } = await start();
    const good = await buildZip(tmp.dir, 'good', ok('v1'));
    const other = await buildZip(tmp.dir, 'other', ok('other-v1'));
    const route = { api: 'rest' as const, payloadVersion: '1.0' as const, method: 'GET', path: '/x' };
    const { info } = await daemon.deploy(request([fn('x', good, { routes: [route] }), fn('y', other)]));
    const bad = await buildZip(tmp.dir, 'bad', {
      'behaviour.json': JSON.stringify({ initError: 'SyntaxError: Unexpected token' }),
    });
    const other2 = await buildZip(tmp.dir, 'other2', ok('other-v2'));
    const error = await daemon
      .deploy(request([fn('x', bad, { routes: [route] }), fn('y', other2)]))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DaemonError);
    expect((error as DaemonError).code).toBe('LOCAL_FUNCTION_INIT_FAILED');
    expect((error as DaemonError).message).toContain(
      'function "x" failed to initialise: SyntaxError: Unexpected token',
    );
    // y's new version was prepared, then discarded: never activated.
    expect(plane.engine.discarded.map((s) => `${s.key}@${s.version}`)).toEqual(['y@2']);
    expect(plane.engine.active('svc-dev-y')?.version).toBe('1');
    expect((await httpGet(`http://127.0.0.1:${info.apiPort}/x`)).body).toBe('"v1"');
    expect(daemon.info('svc', 'dev').functions.map((f) => f.version)).toEqual(['1', '1']);
  });

  it('a failed first deploy leaves nothing behind', async () => {
    const { daemon } = await start();
    const bad = await buildZip(tmp.dir, 'bad', { 'index.js': 'nothing' });
    await expect(daemon.deploy(request([fn('x', bad)]))).rejects.toThrow(
      /function "x" failed to initialise: Cannot find module/,
    );
    expect(() => daemon.info('svc', 'dev')).toThrow(/not deployed/);
  });

  it('serialises concurrent deploys of one service: the second waits, the final state is whole', async () => {
    const { daemon } = await start();
    const slow1 = await buildZip(tmp.dir, 's1', { 'behaviour.json': JSON.stringify({ response: 1, prepareMs: 150 }) });
    const slow2 = await buildZip(tmp.dir, 's2', { 'behaviour.json': JSON.stringify({ response: 2, prepareMs: 10 }) });
    const d1 = daemon.deploy(request([fn('a', slow1), fn('b', slow1)]));
    const d2 = daemon.deploy(request([fn('a', slow2), fn('b', slow2)]));
    const [r1, r2] = await Promise.all([d1, d2]);
    expect(r1.info.functions.map((f) => f.version)).toEqual(['1', '1']);
    expect(r2.info.functions.map((f) => f.version)).toEqual(['2', '2']);
    const info = daemon.info('svc', 'dev');
    expect(info.functions.map((f) => [f.version, f.sha256])).toEqual([
      ['2', slow2.sha256],
      ['2', slow2.sha256],
    ]);
    expect(plane.engine.active('svc-dev-a')?.sha256).toBe(slow2.sha256);
    expect(plane.engine.active('svc-dev-b')?.sha256).toBe(slow2.sha256);
  });

  it('fails the waiting deploy cleanly after the lock timeout', async () => {
    const { daemon } = await start();
    const slow = await buildZip(tmp.dir, 'slow', { 'behaviour.json': JSON.stringify({ prepareMs: 300 }) });
    const fast = await buildZip(tmp.dir, 'fast', ok());
    const d1 = daemon.deploy(request([fn('a', slow)]));
    const d2 = daemon.deploy(request([fn('a', fast)], { lockTimeoutMs: 50 }));
    await expect(d2).rejects.toMatchObject({ code: 'LOCAL_DEPLOY_IN_PROGRESS' });
    await d1;
    expect(daemon.info('svc', 'dev').functions[0]).toMatchObject({ version: '1', sha256: slow.sha256 });
    // The lock is free again.
    await daemon.deploy(request([fn('a', fast)], { lockTimeoutMs: 50 }));
    expect(daemon.info('svc', 'dev').functions[0]).toMatchObject({ version: '2', sha256: fast.sha256 });
  });

  it('deployFunction replaces one function and leaves the others alone', async () => {
    const { daemon } = await start();
    const a = await buildZip(tmp.dir, 'a', ok('a'));
    await expect(daemon.deploy(request([fn('a', a)], { mode: 'function' }))).rejects.toMatchObject({
      code: 'LOCAL_SERVICE_NOT_DEPLOYED',
    });
    await daemon.deploy(request([fn('a', a), fn('b', a)]));
    const a2 = await buildZip(tmp.dir, 'a2', ok('a2'));
    const res = await daemon.deploy(request([fn('a', a2)], { mode: 'function' }));
    expect(res.info.functions.map((f) => [f.key, f.version])).toEqual([
      ['a', '2'],
      ['b', '1'],
    ]);
  });

  it('gives each service+stage its own listener, stable across redeploys and restarts', async () => {
    let { daemon } = await start();
    const a = await buildZip(tmp.dir, 'a', ok('svc'));
    const route = { api: 'http' as const, payloadVersion: '2.0' as const, method: 'ANY', path: '/{proxy+}' };
    const one = await daemon.deploy(request([fn('a', a, { routes: [route] })]));
    const two = await daemon.deploy(request([fn('a', a, { name: 'svc-prod-a', routes: [route] })], { stage: 'prod' }));
    expect(one.info.apiPort).not.toBe(two.info.apiPort);
    await server!.close();
    ({ daemon } = await start());
    expect(daemon.info('svc', 'dev').apiPort).toBe(one.info.apiPort);
    expect(daemon.info('svc', 'prod').apiPort).toBe(two.info.apiPort);
    expect((await httpGet(`http://127.0.0.1:${one.info.apiPort}/any/thing`)).body).toBe('"svc"');
    expect(plane.engine.active('svc-prod-a')?.version).toBe('1');
  });

  it('rejects a function name another service uses', async () => {
    const { daemon } = await start();
    const a = await buildZip(tmp.dir, 'a', ok());
    await daemon.deploy(request([fn('a', a, { name: 'shared' })]));
    await expect(daemon.deploy(request([fn('a', a, { name: 'shared' })], { service: 'other' }))).rejects.toMatchObject({
      code: 'LOCAL_NAME_CONFLICT',
    });
  });

  it('rejects an invalid schedule before touching the engine', async () => {
    const { daemon } = await start();
    const a = await buildZip(tmp.dir, 'a', ok());
    await expect(
      daemon.deploy(request([fn('a', a, { schedules: [{ expression: 'rate(5 parsecs)', enabled: true }] })])),
    ).rejects.toMatchObject({ code: 'LOCAL_SCHEDULE_INVALID' });
    expect(plane.engine.prepared).toEqual([]);
  });

  it('remove stops everything and deletes state, logs and unreferenced artifacts', async () => {
    const { daemon, logs } = await start();
    const a = await buildZip(tmp.dir, 'a', ok());
    const route = { api: 'http' as const, payloadVersion: '2.0' as const, method: 'GET', path: '/' };
    const { info } = await daemon.deploy(request([fn('a', a, { routes: [route] })]));
    await daemon.invoke({
      service: 'svc',
      stage: 'dev',
      function: 'a',
      payload: {},
      type: 'RequestResponse',
      log: false,
    });
    expect(logs.query({ service: 'svc', stage: 'dev', key: 'a' }).length).toBeGreaterThan(0);
    expect(await daemon.remove({ service: 'svc', stage: 'dev' })).toEqual({ removed: ['svc-dev-a'] });
    expect(plane.engine.has('svc-dev-a')).toBe(false);
    expect(() => daemon.info('svc', 'dev')).toThrow(/not deployed/);
    await expect(httpGet(`http://127.0.0.1:${info.apiPort}/`)).rejects.toThrow();
    expect(existsSync(join(tmp.dir, 'home', 'logs', 'svc', 'dev'))).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(join(tmp.dir, 'home', 'artifacts'))).toEqual([]);
    expect(await daemon.remove({ service: 'svc', stage: 'dev' })).toEqual({ removed: [] });
  });

  it('the control API requires the token and binds 127.0.0.1 only', async () => {
    const { port, token } = await start();
    const url = `http://127.0.0.1:${port}/_skyrun/v1/status`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${'0'.repeat(64)}` } })).status).toBe(401);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ port, protocol: 1, services: [] });
    const bad = await fetch(`http://127.0.0.1:${port}/_skyrun/v1/nope`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(bad.status).toBe(404);
    expect(await bad.json()).toMatchObject({ error: { code: 'LOCAL_BAD_REQUEST' } });
    const { networkInterfaces } = await import('node:os');
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) await expect(fetch(`http://${external.address}:${port}/_skyrun/v1/status`)).rejects.toThrow();
  });

  it('rejects two functions serving the same method and path', async () => {
    const { daemon } = await start();
    const a = await buildZip(tmp.dir, 'a', ok());
    const route = { api: 'http' as const, payloadVersion: '2.0' as const, method: 'get', path: '/same' };
    await daemon.deploy(request([fn('a', a, { routes: [route] }), fn('b', a)]));
    await expect(
      daemon.deploy(request([fn('b', a, { routes: [{ ...route, method: 'GET' }] })], { mode: 'function' })),
    ).rejects.toMatchObject({
      code: 'LOCAL_ROUTE_CONFLICT',
      message: 'The route GET /same is declared by both "a" and "b".',
    });
    expect(() => daemon.plan(request([fn('a', a, { routes: [route, route] })]))).toThrow(
      /declares the route GET \/same twice/,
    );
  });

  it('artifact collection never deletes what a running deploy has just extracted', async () => {
    const { daemon } = await start();
    const slow = await buildZip(tmp.dir, 'slow', { 'behaviour.json': JSON.stringify({ prepareMs: 200 }) });
    const deploying = daemon.deploy(request([fn('a', slow)]));
    await expect
      .poll(() => plane.engine.prepared.length + (existsSync(join(tmp.dir, 'home', 'artifacts', slow.sha256)) ? 1 : 0))
      .toBe(1);
    expect(await daemon.collectArtifacts()).toEqual([]);
    await deploying;
    expect(existsSync(join(tmp.dir, 'home', 'artifacts', slow.sha256, 'behaviour.json'))).toBe(true);
    // Once no deploy runs, collection works and keeps what is deployed.
    const stray = join(tmp.dir, 'home', 'artifacts', 'f'.repeat(64));
    (await import('node:fs')).mkdirSync(stray);
    expect(await daemon.collectArtifacts()).toEqual(['f'.repeat(64)]);
    expect(readdirSync(join(tmp.dir, 'home', 'artifacts'))).toEqual([slow.sha256]);
  });
});
