import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFunctionEngine } from '../../src/engine/function-engine.js';
import { FunctionInitError } from '../../src/engine/errors.js';
import type { FunctionEngine, LogRecord } from '../../src/engine/types.js';
import { NODE_FIXTURES, nodeSpec, sleep, waitFor } from './helpers.js';

let engine: FunctionEngine;
const logs: LogRecord[] = [];

beforeAll(() => {
  engine = createFunctionEngine({ genericPoolSize: 1, defaultMemorySize: 256 });
  engine.onLog((r) => logs.push(r));
});
afterAll(async () => {
  await engine.close();
});

async function deploy(handler: string, overrides: Parameters<typeof nodeSpec>[1] = {}) {
  const spec = nodeSpec(handler, overrides);
  engine.activate(await engine.prepare(spec));
  return spec;
}

describe('handler styles', () => {
  it('runs an ESM async handler with a Lambda context', async () => {
    const spec = await deploy('behaviours.echo', { timeoutMs: 5000 });
    const r = await engine.invoke(
      spec.name,
      { a: 1 },
      { requestId: 'req-1', clientContext: Buffer.from('{"custom":{"k":"v"}}').toString('base64') },
    );
    expect(r.functionError).toBeUndefined();
    expect(r.requestId).toBe('req-1');
    const p = r.payload as { event: unknown; cwd: string; context: Record<string, unknown> };
    expect(p.event).toEqual({ a: 1 });
    expect(p.cwd).toBe(NODE_FIXTURES.replace(/\/$/, ''));
    expect(p.context).toMatchObject({
      awsRequestId: 'req-1',
      functionName: spec.name,
      functionVersion: '1',
      memoryLimitInMB: '256',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${spec.name}`,
      logGroupName: `/aws/lambda/${spec.name}`,
      callbackWaitsForEmptyEventLoop: true,
      clientContext: { custom: { k: 'v' } },
    });
    expect(p.context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[1\][0-9a-f]+$/);
    expect(p.context.remaining).toBeGreaterThan(4000);
    expect(p.context.remaining).toBeLessThanOrEqual(5000);
  });

  it('runs CJS callback handlers, success and error', async () => {
    const spec = await deploy('cjs-callback.handler');
    const ok = await engine.invoke(spec.name, { x: 1 });
    expect(ok.payload).toEqual({ style: 'callback', input: { x: 1 }, name: spec.name });
    const spec2 = await deploy('cjs-callback.fails');
    const bad = await engine.invoke(spec2.name, {});
    expect(bad.functionError).toBe('Unhandled');
    expect(bad.payload).toMatchObject({ errorType: 'Error', errorMessage: 'callback failure' });
  });

  it('runs context.succeed / fail / done, nested exports and sync handlers', async () => {
    const s1 = await deploy('cjs-context.succeed');
    expect((await engine.invoke(s1.name, {})).payload).toEqual({ style: 'succeed' });
    const s2 = await deploy('cjs-context.fail');
    const f = await engine.invoke(s2.name, {});
    expect(f.functionError).toBe('Unhandled');
    expect(f.payload).toMatchObject({ errorMessage: 'context failure' });
    const s3 = await deploy('cjs-context.done');
    expect((await engine.invoke(s3.name, {})).payload).toBe('done-ok');
    const s4 = await deploy('behaviours.nested.deeper.handler');
    expect((await engine.invoke(s4.name, {})).payload).toBe('nested-ok');
    // A sync handler returning nothing finishes with null once its pending work (a 20 ms timer) is done.
    const s5 = await deploy('cjs-context.syncNoReturn');
    const r5 = await engine.invoke(s5.name, {});
    expect(r5.functionError).toBeUndefined();
    expect(r5.payload).toBeNull();
    expect(r5.durationMs).toBeGreaterThanOrEqual(15);
  });

  it('loads .js as ESM under a type: module package.json', async () => {
    const spec = await deploy('esm-pkg/index.handler');
    expect((await engine.invoke(spec.name, {})).payload).toEqual({ style: 'esm-js', value: 'from-lib' });
  });
});

describe('environment', () => {
  it('gives a worker only its function environment, set before the module loads', async () => {
    process.env.SKYRUN_DAEMON_SECRET = 'must-not-leak';
    try {
      const spec = await deploy('behaviours.env', { environment: { GREETING: 'hi', AWS_REGION: 'eu-west-1' } });
      const env = (await engine.invoke(spec.name, {})).payload as Record<string, string>;
      expect(env.SKYRUN_DAEMON_SECRET).toBeUndefined();
      expect(env.GREETING).toBe('hi');
      expect(env).toMatchObject({
        AWS_LAMBDA_FUNCTION_NAME: spec.name,
        AWS_LAMBDA_FUNCTION_VERSION: '1',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
        AWS_REGION: 'eu-west-1',
        _HANDLER: 'behaviours.env',
        LAMBDA_TASK_ROOT: NODE_FIXTURES,
      });
      expect(env.PATH).toBe(process.env.PATH);
      const allowed = /^(PATH|HOME|TMPDIR|LANG|LC_ALL|GREETING|AWS_.*|LAMBDA_.*|_HANDLER)$/;
      expect(Object.keys(env).filter((k) => !allowed.test(k))).toEqual([]);

      const other = await deploy('env-at-init.handler', { environment: { GREETING: 'at-init' } });
      expect((await engine.invoke(other.name, {})).payload).toEqual({
        atInit: 'at-init',
        cwdAtInit: NODE_FIXTURES.replace(/\/$/, ''),
      });
    } finally {
      delete process.env.SKYRUN_DAEMON_SECRET;
    }
  });
});

describe('init failures', () => {
  const cases: [string, string, RegExp][] = [
    ['missing.handler', 'Runtime.ImportModuleError', /Cannot find module 'missing'/],
    ['syntax-error.handler', 'Runtime.UserCodeSyntaxError', /SyntaxError/],
    ['no-export.handler', 'Runtime.HandlerNotFound', /no-export\.handler is undefined or not exported/],
    ['cjs-context.notAFunction', 'Runtime.HandlerNotFound', /is not a function/],
    ['init-throws.handler', 'Error', /init exploded/],
  ];
  for (const [handler, errorType, message] of cases) {
    it(`rejects prepare for ${handler} and keeps the old version serving`, async () => {
      const good = await deploy('versioned.handler', { environment: { CODE_VERSION: 'good' } });
      const bad = { ...good, version: '2', handler };
      const err = await engine.prepare(bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FunctionInitError);
      expect((err as FunctionInitError).errorType).toBe(errorType);
      expect((err as FunctionInitError).errorMessage).toMatch(message);
      const r = await engine.invoke(good.name, {});
      expect(r.payload).toMatchObject({ version: 'good' });
      expect(engine.stats().find((s) => s.name === good.name)?.version).toBe('1');
      await engine.remove(good.name);
    });
  }

  it('rejects an unsupported runtime', async () => {
    await expect(engine.prepare(nodeSpec('behaviours.hello', { runtime: 'java21' }))).rejects.toMatchObject({
      errorType: 'Runtime.InvalidRuntime',
    });
  });
});

describe('deploys', () => {
  it('activate moves traffic while in-flight requests finish on the old version', async () => {
    const v1 = await deploy('versioned.handler', { environment: { CODE_VERSION: 'v1' } });
    const inflight = engine.invoke(v1.name, { ms: 400 });
    await sleep(50);
    const v2 = { ...v1, version: '2', environment: { CODE_VERSION: 'v2' } };
    engine.activate(await engine.prepare(v2));
    const after = await engine.invoke(v1.name, {});
    expect(after.payload).toMatchObject({ version: 'v2' });
    const old = await inflight;
    expect(old.functionError).toBeUndefined();
    expect(old.payload).toMatchObject({ version: 'v1' });
    expect(engine.stats().find((s) => s.name === v1.name)).toMatchObject({ version: '2' });
  });

  it('discards a prepared version and removes a function', async () => {
    const spec = await deploy('behaviours.hello');
    const p = await engine.prepare({ ...spec, version: '2' });
    await engine.discard(p);
    expect(() => engine.activate(p)).toThrow(/not prepared/);
    expect(engine.has(spec.name)).toBe(true);
    await engine.remove(spec.name);
    expect(engine.has(spec.name)).toBe(false);
    await expect(engine.invoke(spec.name, {})).rejects.toMatchObject({ code: 'LOCAL_FUNCTION_NOT_FOUND' });
  });
});

describe('failures fail one invocation only', () => {
  it('reports thrown errors with type, message and stack', async () => {
    const spec = await deploy('behaviours.throws');
    const r = await engine.invoke(spec.name, {});
    expect(r.functionError).toBe('Unhandled');
    expect(r.payload).toMatchObject({ errorType: 'TypeError', errorMessage: 'boom' });
    expect((r.payload as { stackTrace: string[] }).stackTrace[0]).toMatch(/TypeError: boom/);
    const s2 = await deploy('behaviours.throwsString');
    expect((await engine.invoke(s2.name, {})).payload).toMatchObject({
      errorType: 'string',
      errorMessage: 'plain string',
    });
  });

  it('maps garbage results: undefined → null, circular and BigInt → marshal errors', async () => {
    const u = await deploy('behaviours.returnsUndefined');
    const ru = await engine.invoke(u.name, {});
    expect(ru.functionError).toBeUndefined();
    expect(ru.payload).toBeNull();
    for (const h of ['behaviours.returnsCircular', 'behaviours.returnsBigInt']) {
      const s = await deploy(h);
      const r = await engine.invoke(s.name, {});
      expect(r.functionError).toBe('Unhandled');
      expect(r.payload).toMatchObject({ errorType: 'Runtime.MarshalError' });
      // The worker survives a marshal error.
      expect((await engine.invoke(s.name, {})).functionError).toBe('Unhandled');
    }
  });

  it('process.exit fails the invocation and the worker is replaced', async () => {
    const spec = await deploy('behaviours.exits');
    const r = await engine.invoke(spec.name, {});
    expect(r.functionError).toBe('Unhandled');
    expect(r.payload).toMatchObject({ errorType: 'Runtime.ExitError' });
    expect((r.payload as { errorMessage: string }).errorMessage).toMatch(
      new RegExp(`RequestId: ${r.requestId} Error: Runtime exited with error: exit status 3`),
    );
    expect(r.logTail).toContain('about to exit');
    const again = await engine.invoke(spec.name, {});
    expect(again.functionError).toBe('Unhandled');
    expect(again.initDurationMs).toBeGreaterThan(0);
  });

  it('an uncaught exception after the handler started fails that invocation', async () => {
    const spec = await deploy('behaviours.uncaught');
    const r = await engine.invoke(spec.name, {});
    expect(r.functionError).toBe('Unhandled');
    expect(r.payload).toMatchObject({ errorMessage: 'late failure' });
    const echo = await deploy('behaviours.echo');
    expect((await engine.invoke(echo.name, {})).functionError).toBeUndefined();
  });

  it('out of memory under a small memorySize fails the invocation as OutOfMemory', async () => {
    const spec = await deploy('behaviours.oom', { memorySize: 64, timeoutMs: 20_000 });
    const r = await engine.invoke(spec.name, {});
    expect(r.functionError).toBe('Unhandled');
    expect(r.payload).toMatchObject({ errorType: 'Runtime.OutOfMemory' });
    expect(r.maxMemoryUsedMB).toBe(64);
  });

  it('enforces the timeout: kills the worker, TimedOut with Lambda wording, next call works', async () => {
    const spec = await deploy('behaviours.sleeps', { timeoutMs: 300 });
    const t0 = Date.now();
    const r = await engine.invoke(spec.name, { ms: 10_000 });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r.functionError).toBe('TimedOut');
    expect((r.payload as { errorMessage: string }).errorMessage).toContain('Task timed out after 0.30 seconds');
    expect(r.logTail).toContain('Task timed out after 0.30 seconds');
    expect(r.logTail).toMatch(/REPORT RequestId: .*Status: timeout/);
    const ok = await engine.invoke(spec.name, { ms: 10 });
    expect(ok.functionError).toBeUndefined();
    expect(ok.payload).toMatchObject({ slept: 10 });
  });
});

describe('logs', () => {
  it('tags lines with request id, version and function; writes START/END/REPORT as Lambda', async () => {
    const spec = await deploy('behaviours.logsMarked');
    const r = await engine.invoke(spec.name, { marker: 'm-1' }, { requestId: 'log-req' });
    const mine = logs.filter((l) => l.requestId === 'log-req');
    expect(mine.map((l) => l.message)).toEqual([
      'START RequestId: log-req Version: 1',
      'marker m-1',
      'END RequestId: log-req',
      expect.stringMatching(
        /^REPORT RequestId: log-req\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms$/,
      ),
    ]);
    for (const l of mine) {
      expect(l.function).toBe(spec.name);
      expect(l.version).toBe('1');
      expect(l.timestamp).toBeGreaterThan(Date.now() - 60_000);
    }
    const second = await engine.invoke(spec.name, { marker: 'm-2' });
    expect(second.initDurationMs).toBeUndefined();
    expect(second.logTail).toMatch(
      /REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB\n$/,
    );
    expect(second.logTail).toMatch(new RegExp(`\\t${second.requestId}\\tmarker m-2\\n`));
    expect(r.initDurationMs).toBeGreaterThan(0);
  });

  it('handles megabytes of logs: every line attributed, huge lines truncated, tail bounded', async () => {
    const spec = await deploy('behaviours.logs');
    const before = logs.length;
    const r = await engine.invoke(
      spec.name,
      { lines: 4000, lineBytes: 1000, hugeLine: 1_000_000 },
      { requestId: 'big-logs' },
    );
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toBe('logged');
    const mine = logs.slice(before).filter((l) => l.requestId === 'big-logs');
    const numbered = mine.filter((l) => /^\d+ x+$/.test(l.message));
    expect(numbered).toHaveLength(4000);
    const huge = mine.find((l) => l.message.startsWith('yyyy'))!;
    expect(huge.message).toMatch(/\[truncated: line longer than 262144 bytes\]$/);
    expect(huge.message.length).toBeLessThan(262144 + 100);
    expect(mine.some((l) => l.message === 'to stderr')).toBe(true);
    expect(mine.some((l) => l.message === 'no newline at the end')).toBe(true);
    expect(mine.at(-1)!.message).toMatch(/^REPORT/);
    expect(Buffer.byteLength(r.logTail)).toBeLessThanOrEqual(4096);
    expect(r.logTail).toContain('END RequestId: big-logs');
  });
});

describe('fast invocations queued on a busy worker', () => {
  type Marks = { marker: string; pid: number; remaining: number };
  /** Fast invocations in a row bring the handler-time average down: the pool then queues on busy workers. */
  async function warm(name: string) {
    for (let i = 0; i < 20; i++) await engine.invoke(name, { marker: `warm${i}` });
  }

  it('runs them one at a time and attributes every line to its own invocation', async () => {
    const spec = await deploy('behaviours.marks', { reservedConcurrency: 1 });
    await warm(spec.name);
    const before = logs.length;
    const ids = Array.from({ length: 30 }, (_, i) => `pipe-${i}`);
    const results = await Promise.all(ids.map((id) => engine.invoke(spec.name, { marker: id }, { requestId: id })));
    expect(results.map((r) => r.functionError)).toEqual(ids.map(() => undefined));
    expect(new Set(results.map((r) => (r.payload as Marks).pid)).size).toBe(1);
    const mine = logs.slice(before);
    for (const id of ids) {
      const lines = mine.filter((l) => l.requestId === id).map((l) => l.message);
      expect(lines[0]).toBe(`START RequestId: ${id} Version: 1`);
      expect(lines.slice(1, -2).sort()).toEqual([`err ${id}`, `out ${id}`]);
      expect(lines.at(-2)).toBe(`END RequestId: ${id}`);
      expect(lines.at(-1)).toMatch(new RegExp(`^REPORT RequestId: ${id}\t`));
    }
    // One worker, one invocation at a time: no START before the previous REPORT.
    const sequence = mine.filter((l) => /^(START|REPORT) /.test(l.message)).map((l) => l.message.slice(0, 5));
    expect(sequence.join(',')).toBe(ids.map(() => 'START,REPOR').join(','));
  });

  it('a crash fails only its own invocation: those queued behind it run on another worker', async () => {
    const spec = await deploy('behaviours.marks', { reservedConcurrency: 1 });
    await warm(spec.name);
    const ids = Array.from({ length: 8 }, (_, i) => `after-crash-${i}`);
    const [crashed, ...rest] = await Promise.all([
      engine.invoke(spec.name, { marker: 'crash', exit: true }),
      ...ids.map((id) => engine.invoke(spec.name, { marker: id }, { requestId: id })),
    ]);
    expect(crashed.functionError).toBe('Unhandled');
    expect(crashed.payload).toMatchObject({ errorType: 'Runtime.ExitError' });
    expect(rest.map((r) => r.functionError)).toEqual(ids.map(() => undefined));
    expect(rest.map((r) => (r.payload as Marks).marker)).toEqual(ids);
  });

  it('a timeout fails only its own invocation; the next ones get their whole timeout', async () => {
    const spec = await deploy('behaviours.marks', { reservedConcurrency: 1, timeoutMs: 600 });
    await warm(spec.name);
    const [slow, ...rest] = await Promise.all([
      engine.invoke(spec.name, { marker: 'slow', sleepMs: 5000 }),
      ...Array.from({ length: 4 }, (_, i) => engine.invoke(spec.name, { marker: `next${i}` })),
    ]);
    expect(slow.functionError).toBe('TimedOut');
    expect(rest.map((r) => r.functionError)).toEqual([undefined, undefined, undefined, undefined]);
    for (const r of rest) expect((r.payload as Marks).remaining).toBeGreaterThan(450);
  });
});

describe('scaling', () => {
  it('scales out under concurrent load up to reservedConcurrency, queues beyond, reaps idle workers', async () => {
    const local = createFunctionEngine({
      genericPoolSize: 1,
      defaultMemorySize: 256,
      keepWarmMs: 300,
      reapIntervalMs: 50,
    });
    try {
      const spec = nodeSpec('behaviours.sleeps', { reservedConcurrency: 3 });
      local.activate(await local.prepare(spec));
      let peak = 0;
      const sampler = setInterval(() => {
        const s = local.stats()[0];
        if (s) peak = Math.max(peak, s.busy);
      }, 10);
      const results = await Promise.all(Array.from({ length: 7 }, () => local.invoke(spec.name, { ms: 150 })));
      clearInterval(sampler);
      expect(results.every((r) => r.functionError === undefined)).toBe(true);
      expect(new Set(results.map((r) => (r.payload as { pid: number }).pid)).size).toBe(3);
      expect(peak).toBe(3);
      expect(local.stats()[0].workers).toBe(3);
      expect(await waitFor(() => local.stats()[0].workers === 0, 5000)).toBe(true);
      // Scaled to zero: the next request is a cold start again.
      const cold = await local.invoke(spec.name, { ms: 1 });
      expect(cold.initDurationMs).toBeGreaterThan(0);
    } finally {
      await local.close();
    }
  });

  it("a version's own keepWarmMs reaps its idle workers, others keep the engine's", async () => {
    const local = createFunctionEngine({
      genericPoolSize: 0,
      defaultMemorySize: 256,
      keepWarmMs: 60_000,
      reapIntervalMs: 20,
    });
    try {
      const short = nodeSpec('behaviours.hello', { keepWarmMs: 50 });
      const long = nodeSpec('behaviours.hello');
      local.activate(await local.prepare(short));
      local.activate(await local.prepare(long));
      await local.invoke(short.name, {});
      await local.invoke(long.name, {});
      const workers = (name: string) => local.stats().find((s) => s.name === name)?.workers;
      expect(await waitFor(() => workers(short.name) === 0, 3000)).toBe(true);
      expect(workers(long.name)).toBe(1);
    } finally {
      await local.close();
    }
  });

  it('keeps provisionedConcurrency workers warm', async () => {
    const local = createFunctionEngine({ genericPoolSize: 0, keepWarmMs: 100, reapIntervalMs: 20 });
    try {
      const spec = nodeSpec('behaviours.hello', { provisionedConcurrency: 2 });
      local.activate(await local.prepare(spec));
      expect(local.stats()[0].workers).toBe(2);
      await sleep(300);
      expect(local.stats()[0].workers).toBe(2);
    } finally {
      await local.close();
    }
  });
});
