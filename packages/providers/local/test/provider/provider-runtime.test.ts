import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Artifact, FunctionEvent, FunctionSpec, ProgressReporter, ProviderContext, Service } from '@skyrun/core';
import runtime, { buildDeployRequest } from '../../src/provider-runtime.js';
import definition from '../../src/definition.js';
import { daemonStatus } from '../../src/client/launcher.js';
import { startDaemonServer, type DaemonServer } from '../../src/daemon/server.js';
import { createFakeDataPlane } from '../daemon/fake-data-plane.js';
import { buildZip, tempDir } from '../daemon/helpers.js';

function spec(key: string, events: FunctionEvent[], extra: Partial<FunctionSpec> = {}): FunctionSpec {
  return {
    key,
    name: `shop-dev-${key}`,
    handler: 'index.handler',
    runtime: 'nodejs20.x',
    memorySize: 256,
    timeout: 3,
    environment: { A: '1' },
    events,
    package: { patterns: [] },
    raw: {},
    ...extra,
  };
}

function service(functions: FunctionSpec[], providerName = 'local'): Service {
  return {
    name: 'shop',
    stage: 'dev',
    provider: {
      name: providerName,
      stage: 'dev',
      runtime: 'nodejs20.x',
      memorySize: 1024,
      timeout: 6,
      environment: {},
      raw: { name: providerName },
    },
    functions: Object.fromEntries(functions.map((f) => [f.key, f])),
    package: { individually: false, patterns: [], excludeDevDependencies: true },
    build: {},
    custom: {},
    plugins: [],
    useDotenv: false,
    serviceDir: '/nowhere',
    configFile: '/nowhere/serverless.yml',
    config: {},
  };
}

function recorder() {
  const warnings: string[] = [];
  const steps: string[] = [];
  const progress: ProgressReporter = {
    step: (title) => {
      steps.push(title);
      return { done: (s) => steps.push(`done: ${s ?? ''}`), fail: () => steps.push('fail') };
    },
    info() {},
    warn: (m) => warnings.push(m),
    debug() {},
  };
  return { progress, warnings, steps };
}

const http = (method: string, path: string): FunctionEvent => ({
  kind: 'http',
  api: 'http',
  payloadVersion: '2.0',
  method,
  path,
  index: 0,
  raw: {},
});

describe('the local provider runtime (in-process daemon)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: DaemonServer;
  let plane: ReturnType<typeof createFakeDataPlane>;
  let artifact: Artifact;
  const savedHome = process.env.SKYRUN_HOME;

  beforeAll(async () => {
    tmp = tempDir();
    process.env.SKYRUN_HOME = join(tmp.dir, 'home');
    plane = createFakeDataPlane();
    server = await startDaemonServer({ home: process.env.SKYRUN_HOME, port: 0, dataPlane: plane, report: () => {} });
    const zip = await buildZip(tmp.dir, 'shop', { 'behaviour.json': JSON.stringify({ response: { hello: 'shop' } }) });
    artifact = {
      path: zip.path,
      sha256: zip.sha256,
      functions: ['users', 'cron', 'worker'],
      size: 100,
      files: 1,
      mode: 'copy',
    };
  });
  afterAll(async () => {
    await server.close();
    if (savedHome === undefined) delete process.env.SKYRUN_HOME;
    else process.env.SKYRUN_HOME = savedHome;
    tmp.cleanup();
  });

  it('the definition is light and declares its capabilities', async () => {
    expect(definition.name).toBe('local');
    expect(definition.capabilities.events).toEqual(['http', 'httpApi', 'schedule']);
    expect(definition.capabilities.runtimes).toContain('nodejs20.x');
    expect(Object.keys(definition.schema.provider ?? {})).toEqual(['port', 'apiPort', 'keepWarm']);
    expect(typeof (await definition.load()).apply).toBe('function');
  });

  it('plans, applies, shows info with full URLs and skips unsupported events in one warning', async () => {
    const rec = recorder();
    const svc = service(
      [
        spec('users', [http('GET', '/users/{id}'), http('ANY', '/{proxy+}')]),
        spec('cron', [{ kind: 'schedule', expressions: ['rate(1 day)'], enabled: true, index: 0, raw: {} }]),
        spec('worker', [
          { kind: 'provider', type: 'sqs', index: 0, raw: {} },
          { kind: 'queue', queue: 'jobs', batchSize: 10, index: 1, raw: {} },
        ]),
      ],
      'aws',
    );
    const ctx: ProviderContext = { service: svc, options: {}, progress: rec.progress };
    const plan = await runtime.plan(ctx, [artifact]);
    expect(plan.changes.filter((c) => c.resource === 'function').map((c) => `${c.action} ${c.name}`)).toEqual([
      'create users',
      'create cron',
      'create worker',
    ]);
    expect(rec.warnings).toEqual([
      'The local runtime cannot serve these events and skips them: worker (sqs), worker (queue).',
    ]);
    const result = await runtime.apply(ctx, plan, [artifact]);
    expect(rec.warnings).toHaveLength(1);
    expect(rec.steps).toContain('done: 3 created');
    const port = server.daemon.info('shop', 'dev').apiPort;
    expect(result.endpoints).toEqual([
      { method: 'GET', url: `http://127.0.0.1:${port}/users/{id}`, function: 'users' },
      { method: 'ANY', url: `http://127.0.0.1:${port}/{proxy+}`, function: 'users' },
    ]);
    expect(result.outputs).toEqual({
      InvokeApiEndpoint: `http://127.0.0.1:${server.port}`,
      ServiceEndpoint: `http://127.0.0.1:${port}`,
    });
    expect(result.functions.map((f) => [f.key, f.version])).toEqual([
      ['users', '1'],
      ['cron', '1'],
      ['worker', '1'],
    ]);
    expect(plane.engine.active('shop-dev-users')).toMatchObject({
      timeoutMs: 3000,
      memorySize: 256,
      environment: { A: '1' },
    });
    const res = await fetch(`http://127.0.0.1:${port}/users/7`);
    expect(await res.json()).toEqual({ hello: 'shop' });

    const info = await runtime.info(ctx);
    expect(info.endpoints).toEqual(result.endpoints);
    expect(info.details).toMatchObject({
      workers: { users: { workers: 1, busy: 0 } },
      schedules: { cron: [{ expression: 'rate(1 day)', enabled: true }] },
    });

    // Redeploy without changes: all unchanged.
    const again = await runtime.apply(ctx, await runtime.plan(ctx, [artifact]), [artifact]);
    expect(again.changes.filter((c) => c.resource === 'function').every((c) => c.action === 'unchanged')).toBe(true);
  });

  it('invokes RequestResponse, Event and DryRun, with the log tail', async () => {
    const ctx: ProviderContext = { service: service([spec('users', [])]), options: {}, progress: recorder().progress };
    const fn = ctx.service.functions.users!;
    const sync = await runtime.invoke(ctx, { function: fn, payload: { a: 1 }, type: 'RequestResponse', log: true });
    expect(sync).toMatchObject({ statusCode: 200, payload: { hello: 'shop' } });
    expect(sync.logs).toContain('handled {"a":1}');
    const event = await runtime.invoke(ctx, { function: fn, payload: { b: 2 }, type: 'Event', log: false });
    expect(event.statusCode).toBe(202);
    await server.queue.idle();
    expect(plane.engine.invocations.at(-1)).toMatchObject({ event: { b: 2 }, requestId: event.requestId });
    expect((await runtime.invoke(ctx, { function: fn, payload: {}, type: 'DryRun', log: false })).statusCode).toBe(204);
    const missing = spec('nope', []);
    await expect(
      runtime.invoke(ctx, { function: missing, payload: {}, type: 'RequestResponse', log: false }),
    ).rejects.toMatchObject({
      code: 'LOCAL_FUNCTION_NOT_DEPLOYED',
      exitCode: 5,
    });
  });

  it('reads logs with filter and follows new lines with tail', async () => {
    const ctx: ProviderContext = { service: service([spec('users', [])]), options: {}, progress: recorder().progress };
    const fn = ctx.service.functions.users!;
    await runtime.invoke(ctx, { function: fn, payload: 'needle-1', type: 'RequestResponse', log: false });
    const lines: string[] = [];
    for await (const line of runtime.logs(ctx, { function: fn, filter: 'needle', tail: false }))
      lines.push(line.message);
    expect(lines).toEqual(['handled "needle-1"']);

    const controller = new AbortController();
    const followed: string[] = [];
    const following = (async () => {
      for await (const line of runtime.logs(
        { ...ctx, signal: controller.signal },
        { function: fn, filter: 'needle', tail: true, startTime: Date.now() + 60_000 },
      )) {
        followed.push(line.message);
        if (followed.length === 2) controller.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    await runtime.invoke(ctx, { function: fn, payload: 'needle-2', type: 'RequestResponse', log: false });
    await runtime.invoke(ctx, { function: fn, payload: 'hay', type: 'RequestResponse', log: false });
    await runtime.invoke(ctx, { function: fn, payload: 'needle-3', type: 'RequestResponse', log: false });
    await following;
    expect(followed).toEqual(['handled "needle-2"', 'handled "needle-3"']);
  });

  it('deployFunction replaces one function; remove deletes the service', async () => {
    const rec = recorder();
    const ctx: ProviderContext = {
      service: service([spec('users', [http('GET', '/u')]), spec('cron', [])]),
      options: {},
      progress: rec.progress,
    };
    const zip = await buildZip(tmp.dir, 'users2', { 'behaviour.json': JSON.stringify({ response: 'v2' }) });
    const art: Artifact = { ...artifact, path: zip.path, sha256: zip.sha256, functions: ['users'] };
    const res = await runtime.deployFunction(ctx, ctx.service.functions.users!, art);
    expect(res.functions.map((f) => [f.key, f.version])).toEqual([
      ['users', '2'],
      ['cron', '1'],
      ['worker', '1'],
    ]);
    expect((await runtime.remove(ctx)).removed.sort()).toEqual(['shop-dev-cron', 'shop-dev-users', 'shop-dev-worker']);
    expect((await runtime.remove(ctx)).removed).toEqual([]);
    await expect(runtime.info(ctx)).rejects.toMatchObject({ code: 'LOCAL_SERVICE_NOT_DEPLOYED', exitCode: 5 });
    expect(await daemonStatus()).toMatchObject({ running: true, port: server.port, services: [] });
  });

  it('info, invoke and logs of a service never deployed fail without starting a daemon', async () => {
    const other = { ...service([spec('users', [])]), name: 'never' };
    const ctx: ProviderContext = { service: other, options: {}, progress: recorder().progress };
    const home = join(tmp.dir, 'empty-home');
    process.env.SKYRUN_HOME = home;
    try {
      await expect(runtime.info(ctx)).rejects.toMatchObject({ code: 'LOCAL_SERVICE_NOT_DEPLOYED', exitCode: 5 });
      const fn = other.functions.users!;
      await expect(
        runtime.invoke(ctx, { function: fn, payload: {}, type: 'RequestResponse', log: false }),
      ).rejects.toMatchObject({
        code: 'LOCAL_SERVICE_NOT_DEPLOYED',
      });
      await expect(
        runtime.logs(ctx, { function: fn, tail: false })[Symbol.asyncIterator]().next(),
      ).rejects.toMatchObject({
        code: 'LOCAL_SERVICE_NOT_DEPLOYED',
      });
      expect(await runtime.remove(ctx)).toEqual({ removed: [] });
      expect(await daemonStatus({ home })).toMatchObject({ running: false });
    } finally {
      process.env.SKYRUN_HOME = join(tmp.dir, 'home');
    }
  });

  it('provider.keepWarm (seconds) becomes the keep-warm period of every function', () => {
    const svc = service([spec('users', [])]);
    const warm: Service = { ...svc, provider: { ...svc.provider, raw: { name: 'local', keepWarm: 30 } } };
    const with30 = buildDeployRequest({ service: warm, options: {}, progress: recorder().progress }, [artifact]);
    expect(with30.functions[0]!.keepWarmMs).toBe(30_000);
    const without = buildDeployRequest({ service: svc, options: {}, progress: recorder().progress }, [artifact]);
    expect(without.functions[0]!.keepWarmMs).toBeUndefined();
    expect(definition.schema.provider?.keepWarm).toMatchObject({ type: 'integer', minimum: 0 });
  });

  it('refuses runtimes and image functions it cannot run', async () => {
    const ctx: ProviderContext = {
      service: service([spec('j', [], { runtime: 'java21' })]),
      options: {},
      progress: recorder().progress,
    };
    await expect(runtime.plan(ctx, [{ ...artifact, functions: ['j'] }])).rejects.toMatchObject({
      code: 'LOCAL_RUNTIME_UNSUPPORTED',
      exitCode: 5,
    });
  });
});
