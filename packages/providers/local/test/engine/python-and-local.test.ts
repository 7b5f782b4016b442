import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createFunctionEngine } from '../../src/engine/function-engine.js';
import { createApiServer } from '../../src/engine/http/gateway.js';
import { invokeInProcess } from '../../src/engine/invoke-local.js';
import type { FunctionEngine, LogRecord } from '../../src/engine/types.js';
import { NODE_FIXTURES, PYTHON_FIXTURES, nodeSpec } from './helpers.js';

const hasPython = spawnSync('python3', ['--version']).status === 0;
const engines: FunctionEngine[] = [];
afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
});

describe.skipIf(!hasPython)('python runtime (needs python3 on PATH)', () => {
  it('runs module.function handlers with the Lambda context and environment', async () => {
    const engine = createFunctionEngine({ genericPoolSize: 1, defaultMemorySize: 256 });
    engines.push(engine);
    const logs: LogRecord[] = [];
    engine.onLog((r) => logs.push(r));
    const spec = nodeSpec('handler.hello', {
      codeDir: PYTHON_FIXTURES,
      runtime: 'python3.11',
      environment: { GREETING: 'py-env' },
    });
    engine.activate(await engine.prepare(spec));
    const r = await engine.invoke(spec.name, { q: 1 }, { requestId: 'py-req' });
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toMatchObject({
      event: { q: 1 },
      atInit: 'py-env',
      requestId: 'py-req',
      functionName: spec.name,
      arn: `arn:aws:lambda:us-east-1:000000000000:function:${spec.name}`,
      cwd: PYTHON_FIXTURES.replace(/\/$/, ''),
    });
    expect((r.payload as { remaining: number }).remaining).toBeGreaterThan(1000);
    expect(logs.filter((l) => l.requestId === 'py-req').map((l) => l.message)).toContain('python says hi');
    expect(r.logTail).toMatch(/REPORT RequestId: py-req\tDuration/);

    const failing = nodeSpec('handler.fails', { codeDir: PYTHON_FIXTURES, runtime: 'python3.11' });
    engine.activate(await engine.prepare(failing));
    const f = await engine.invoke(failing.name, {});
    expect(f.functionError).toBe('Unhandled');
    expect(f.payload).toMatchObject({ errorType: 'ValueError', errorMessage: 'python failure' });

    const slow = nodeSpec('handler.sleeps', { codeDir: PYTHON_FIXTURES, runtime: 'python3.11', timeoutMs: 300 });
    engine.activate(await engine.prepare(slow));
    expect((await engine.invoke(slow.name, { s: 5 })).functionError).toBe('TimedOut');
  });

  it('rejects prepare for syntax errors, missing modules and missing functions', async () => {
    const engine = createFunctionEngine({ genericPoolSize: 0 });
    engines.push(engine);
    const cases: [string, string][] = [
      ['broken.handler', 'Runtime.UserCodeSyntaxError'],
      ['missing.handler', 'Runtime.ImportModuleError'],
      ['handler.nope', 'Runtime.HandlerNotFound'],
    ];
    for (const [handler, errorType] of cases) {
      await expect(
        engine.prepare(nodeSpec(handler, { codeDir: PYTHON_FIXTURES, runtime: 'python3.12' })),
      ).rejects.toMatchObject({ errorType });
    }
  });

  it('serves HTTP: the engine maps the event and the response for a python worker', async () => {
    const engine = createFunctionEngine({ genericPoolSize: 0, defaultMemorySize: 256 });
    engines.push(engine);
    const spec = nodeSpec('http.handler', { codeDir: PYTHON_FIXTURES, runtime: 'python3.11' });
    engine.activate(await engine.prepare(spec));
    const api = createApiServer({
      engine,
      routes: [
        {
          service: 'svc',
          stage: 'dev',
          api: 'http',
          payloadVersion: '2.0',
          method: 'GET',
          path: '/py/{rest+}',
          functionName: spec.name,
        },
      ],
    });
    const { url } = await api.listen();
    try {
      const res = await fetch(`${url}/py/a/b?x=1`);
      expect(res.status).toBe(201);
      expect(res.headers.get('x-runtime')).toBe('python');
      expect(res.headers.get('apigw-requestid')).toMatch(/^[0-9a-f-]{36}$/);
      expect(await res.text()).toBe('/py/a/b');
    } finally {
      await api.close();
    }
  });

  it('invokeInProcess runs a python handler through a one-shot bootstrap', async () => {
    const lines: string[] = [];
    const r = await invokeInProcess({
      codeDir: PYTHON_FIXTURES,
      handler: 'handler.hello',
      event: { local: true },
      env: { GREETING: 'one-shot' },
      functionName: 'py-local',
      runtime: 'python3.11',
      onLine: (l) => lines.push(l),
    });
    expect(r.payload).toMatchObject({ event: { local: true }, atInit: 'one-shot', functionName: 'py-local' });
    expect(lines).toContain('python says hi');
  });
});

describe('invokeInProcess (node)', () => {
  it('runs a handler in this process with the Lambda context and restores the environment', async () => {
    const r = await invokeInProcess({
      codeDir: NODE_FIXTURES,
      handler: 'behaviours.echo',
      event: { x: 1 },
      env: { LOCAL_ONLY: 'yes' },
      timeoutMs: 2000,
      functionName: 'local-fn',
    });
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toMatchObject({
      event: { x: 1 },
      pid: process.pid,
      context: { functionName: 'local-fn', awsRequestId: r.requestId },
    });
    expect(process.env.LOCAL_ONLY).toBeUndefined();
    const env = await invokeInProcess({
      codeDir: NODE_FIXTURES,
      handler: 'behaviours.env',
      event: {},
      env: { LOCAL_ONLY: 'yes' },
      functionName: 'f',
    });
    expect(env.payload).toMatchObject({ LOCAL_ONLY: 'yes', AWS_LAMBDA_FUNCTION_NAME: 'f' });
  });

  it('reports handler errors, init errors and timeouts as results', async () => {
    const thrown = await invokeInProcess({
      codeDir: NODE_FIXTURES,
      handler: 'behaviours.throws',
      event: {},
      functionName: 'f',
    });
    expect(thrown).toMatchObject({
      functionError: 'Unhandled',
      payload: { errorType: 'TypeError', errorMessage: 'boom' },
    });
    const missing = await invokeInProcess({
      codeDir: NODE_FIXTURES,
      handler: 'nope.handler',
      event: {},
      functionName: 'f',
    });
    expect(missing).toMatchObject({ functionError: 'Unhandled', payload: { errorType: 'Runtime.ImportModuleError' } });
    const slow = await invokeInProcess({
      codeDir: NODE_FIXTURES,
      handler: 'behaviours.sleeps',
      event: { ms: 2000 },
      timeoutMs: 100,
      functionName: 'f',
    });
    expect(slow.functionError).toBe('TimedOut');
    expect((slow.payload as { errorMessage: string }).errorMessage).toContain('Task timed out after 0.10 seconds');
    const cb = await invokeInProcess({
      codeDir: NODE_FIXTURES,
      handler: 'cjs-callback.handler',
      event: { y: 2 },
      functionName: 'cbf',
    });
    expect(cb.payload).toEqual({ style: 'callback', input: { y: 2 }, name: 'cbf' });
  });
});
