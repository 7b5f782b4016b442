/** The provider verbs against an in-process daemon running the real engine (workers are real processes). */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentProgress, type Artifact, type FunctionSpec, type ProviderContext, type Service } from '@skyrun/core';
import runtime from '../../src/provider-runtime.js';
import { createDefaultDataPlane } from '../../src/daemon/default-data-plane.js';
import { startDaemonServer, type DaemonServer } from '../../src/daemon/server.js';
import { buildZip, tempDir } from '../daemon/helpers.js';

const HANDLER = `
export const hello = async (event, context) => {
  console.log('hello from', context.functionName, event.rawPath ?? 'direct');
  return { statusCode: 200, body: JSON.stringify({ id: event.pathParameters?.id ?? null, env: process.env.GREETING }) };
};
`;

function fnSpec(): FunctionSpec {
  return {
    key: 'hello',
    name: 'real-dev-hello',
    handler: 'handler.hello',
    runtime: 'nodejs20.x',
    memorySize: 256,
    timeout: 5,
    environment: { GREETING: 'hi' },
    events: [
      { kind: 'http', api: 'http', payloadVersion: '2.0', method: 'GET', path: '/items/{id}', index: 0, raw: {} },
    ],
    package: { patterns: [] },
    raw: {},
  };
}

function service(): Service {
  return {
    name: 'real',
    stage: 'dev',
    provider: {
      name: 'local',
      stage: 'dev',
      runtime: 'nodejs20.x',
      memorySize: 1024,
      timeout: 6,
      environment: {},
      raw: {},
    },
    functions: { hello: fnSpec() },
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

/** An in-process daemon with the real engine for the enclosing describe block, in its own SKYRUN_HOME. */
function useRealDaemon(): { tmp: ReturnType<typeof tempDir>; server: DaemonServer } {
  const state = {} as { tmp: ReturnType<typeof tempDir>; server: DaemonServer };
  const savedHome = process.env.SKYRUN_HOME;
  beforeAll(async () => {
    state.tmp = tempDir();
    process.env.SKYRUN_HOME = join(state.tmp.dir, 'home');
    state.server = await startDaemonServer({
      home: process.env.SKYRUN_HOME,
      port: 0,
      dataPlane: createDefaultDataPlane({ engine: { genericPoolSize: 0 } }),
      report: () => {},
    });
  });
  afterAll(async () => {
    await state.server.close();
    if (savedHome === undefined) delete process.env.SKYRUN_HOME;
    else process.env.SKYRUN_HOME = savedHome;
    state.tmp.cleanup();
  });
  return state;
}

/** A zip serving the `hello` function from `handler.mjs`. */
async function helloArtifact(dir: string, name: string, code: string): Promise<Artifact> {
  const zip = await buildZip(dir, name, { 'handler.mjs': code });
  return { path: zip.path, sha256: zip.sha256, functions: ['hello'], size: 1, files: 1, mode: 'copy' };
}

describe('provider verbs with the real engine', () => {
  const daemon = useRealDaemon();

  it('deploys, answers HTTP, invokes with the log tail, reads logs and removes', async () => {
    const artifact = await helloArtifact(daemon.tmp.dir, 'real', HANDLER);
    const ctx: ProviderContext = { service: service(), options: {}, progress: silentProgress };
    const result = await runtime.apply(ctx, await runtime.plan(ctx, [artifact]), [artifact]);
    const url = result.endpoints[0]!.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/items\/\{id\}$/);
    const res = await fetch(url.replace('{id}', '42'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: '42', env: 'hi' });

    const fn = ctx.service.functions.hello!;
    const invoked = await runtime.invoke(ctx, { function: fn, payload: {}, type: 'RequestResponse', log: true });
    expect(invoked.statusCode).toBe(200);
    expect(invoked.logs).toContain('hello from real-dev-hello direct');

    const info = await runtime.info(ctx);
    expect((info.details as { workers: Record<string, { workers: number }> }).workers.hello!.workers).toBeGreaterThan(
      0,
    );

    const messages: string[] = [];
    for await (const line of runtime.logs(ctx, { function: fn, tail: false })) messages.push(line.message);
    expect(messages.some((m) => m.includes('hello from real-dev-hello /items/42'))).toBe(true);
    expect(messages.some((m) => m.startsWith('START RequestId:'))).toBe(true);
    expect(messages.some((m) => m.startsWith('REPORT RequestId:'))).toBe(true);

    expect(await runtime.remove(ctx)).toEqual({ removed: ['real-dev-hello'] });
    await expect(fetch(url.replace('{id}', '1'))).rejects.toThrow();
  });
});

describe('following logs with the real engine', () => {
  const daemon = useRealDaemon();

  async function deploy(ctx: ProviderContext, name: string, code: string): Promise<void> {
    const artifact = await helloArtifact(daemon.tmp.dir, name, code);
    await runtime.apply(ctx, await runtime.plan(ctx, [artifact]), [artifact]);
  }

  it('streams every line of several invocations and a redeploy exactly once', async () => {
    const stop = new AbortController();
    const ctx: ProviderContext = { service: service(), options: {}, progress: silentProgress, signal: stop.signal };
    await deploy(ctx, 'v1', HANDLER);
    const fn = ctx.service.functions.hello!;
    const seen: { requestId?: string; message: string }[] = [];
    const following = (async () => {
      for await (const line of runtime.logs(ctx, { function: fn, tail: true, startTime: Date.now() }))
        seen.push({ requestId: line.requestId, message: line.message });
    })();
    const ids: string[] = [];
    const invokeOnce = async () => {
      const r = await runtime.invoke(ctx, { function: fn, payload: {}, type: 'RequestResponse' });
      expect(r.statusCode).toBe(200);
      ids.push(r.requestId!);
    };
    for (let i = 0; i < 3; i++) await invokeOnce();
    await deploy(ctx, 'v2', HANDLER.replace('hello from', 'hello again from'));
    for (let i = 0; i < 3; i++) await invokeOnce();
    // Every invocation's REPORT has reached the follower, then the stream ends.
    const deadline = Date.now() + 5000;
    while (
      Date.now() < deadline &&
      ids.some((id) => !seen.some((l) => l.message.startsWith(`REPORT RequestId: ${id}`)))
    )
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    await following;

    for (const [i, id] of ids.entries()) {
      const lines = seen.filter((l) => l.requestId === id).map((l) => l.message);
      expect(lines.filter((m) => m.startsWith('START RequestId:'))).toHaveLength(1);
      expect(lines.filter((m) => m.includes(i < 3 ? 'hello from' : 'hello again from'))).toHaveLength(1);
      expect(lines.filter((m) => m.startsWith('END RequestId:'))).toHaveLength(1);
      expect(lines.filter((m) => m.startsWith('REPORT RequestId:'))).toHaveLength(1);
    }
    const keys = seen.map((l) => `${l.requestId}\t${l.message}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('async invocations through the Invoke API with the real engine', () => {
  const daemon = useRealDaemon();

  it('the event runs with the request id of the 202 answer', async () => {
    const artifact = await helloArtifact(daemon.tmp.dir, 'async', HANDLER);
    const ctx: ProviderContext = { service: service(), options: {}, progress: silentProgress };
    await runtime.apply(ctx, await runtime.plan(ctx, [artifact]), [artifact]);
    const res = await fetch(`http://127.0.0.1:${daemon.server.port}/2015-03-31/functions/real-dev-hello/invocations`, {
      method: 'POST',
      headers: { 'x-amz-invocation-type': 'Event' },
      body: JSON.stringify({ rawPath: '/async' }),
    });
    expect(res.status).toBe(202);
    const id = res.headers.get('x-amzn-requestid');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await daemon.server.queue.idle();
    const lines = daemon.server.logs.query({ service: 'real', stage: 'dev', key: 'hello' });
    expect(lines.find((l) => l.message.includes('hello from real-dev-hello /async'))?.requestId).toBe(id);
    expect(lines.filter((l) => l.message === `END RequestId: ${id}`)).toHaveLength(1);
    await runtime.remove(ctx);
  });
});
