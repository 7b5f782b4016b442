// A warm worker serving its api's keep-alive connections itself (runtime/node/front.mjs, engine/worker-front.ts):
// what a client sees must be what the gateway gives, including when the worker times out, dies, is replaced by
// a redeploy or is reaped.
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createFunctionEngine, type FunctionEngineOptions } from '../../src/engine/function-engine.js';
import { createApiServer, type ApiServer } from '../../src/engine/http/gateway.js';
import type { FunctionEngine, FunctionVersionSpec, HttpRoute, LogRecord } from '../../src/engine/types.js';
import { expandLogRecord } from '../../src/engine/lambda-format.js';
import { parseStoredLines } from '../../src/engine/log-line.js';
import { nodeSpec, sleep, waitFor } from './helpers.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

function get(base: string, path: string, agent: Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error('no answer in 15 s')));
    req.end();
  });
}

function route(path: string, functionName: string): HttpRoute {
  return { service: 'svc', stage: 'test', api: 'http', payloadVersion: '2.0', method: 'GET', path, functionName };
}

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function start(
  spec: FunctionVersionSpec,
  options: FunctionEngineOptions = {},
  extra: { spec: FunctionVersionSpec; path: string }[] = [],
): Promise<{ engine: FunctionEngine; api: ApiServer; base: string; logs: LogRecord[] }> {
  const engine = createFunctionEngine({ genericPoolSize: 1, ...options });
  const logs: LogRecord[] = [];
  engine.onLog((r) => logs.push(r));
  engine.activate(await engine.prepare(spec));
  for (const e of extra) engine.activate(await engine.prepare(e.spec));
  const api = createApiServer({
    engine,
    routes: [route('/f', spec.name), ...extra.map((e) => route(e.path, e.spec.name))],
  });
  const { url } = await api.listen();
  cleanups.push(async () => {
    await api.close();
    await engine.close();
  });
  return { engine, api, base: url, logs };
}

function keepAlive(): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  cleanups.push(() => agent.destroy());
  return agent;
}

function linesOf(logs: LogRecord[], requestId: string): string[] {
  return logs.filter((r) => r.requestId === requestId).flatMap((r) => expandLogRecord(r));
}

describe('a worker serving connections itself', () => {
  it('logs quiet requests: as records, or as stored lines to a listener that takes lines', async () => {
    const spec = nodeSpec('front.handler');
    const { engine, base, logs } = await start(spec);
    const lineBatches: { name: string; text: string }[] = [];
    const recordsOfLinesListener: LogRecord[] = [];
    engine.onLog((r) => recordsOfLinesListener.push(r), {
      lines: (name, text) => lineBatches.push({ name, text: text.toString('utf8') }),
    });
    const agent = keepAlive();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await get(base, '/f', agent);
      ids.push((JSON.parse(r.text) as { requestId: string }).requestId);
    }
    // A listener of records gets each request's START, END and REPORT; the first one's REPORT has its init.
    for (const id of ids) expect(await waitFor(() => linesOf(logs, id).length === 3)).toBe(true);
    expect(linesOf(logs, ids[0])[2]).toMatch(/\tInit Duration: /);
    expect(linesOf(logs, ids[3])[2]).toMatch(/^REPORT RequestId: .*\tDuration: [\d.]+ ms\tBilled Duration: 1 ms\t/);
    // The one taking lines gets the later ones as batch lines (one per batch of requests), the first (with its
    // init) as a record.
    expect(lineBatches.every((b) => /^\{"function":.*"t0":\d+,"q":\[\[.*\]\]\}\n$/.test(b.text))).toBe(true);
    const stored = lineBatches.flatMap((b) => parseStoredLines(b.text));
    expect(lineBatches.every((b) => b.name === spec.name)).toBe(true);
    expect(stored.map((r) => r.requestId)).toEqual(ids.slice(1));
    expect(stored.every((r) => r.invocation !== undefined && r.message.startsWith('START RequestId: '))).toBe(true);
    expect(recordsOfLinesListener.map((r) => r.requestId)).toEqual([ids[0]]);
    // Every record is stamped with its request's start: the first one's too (its result comes later, batched).
    const times = [...recordsOfLinesListener, ...stored].map((r) => r.timestamp);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('answers a keep-alive connection, with the request id in the headers, the event and the logs', async () => {
    const { engine, base, logs } = await start(nodeSpec('front.handler'));
    const agent = keepAlive();
    const pids = new Set<number>();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await get(base, `/f?log=${i}`, agent);
      expect(r.status).toBe(200);
      const body = JSON.parse(r.text) as { pid: number; requestId: string };
      // An HTTP API's answer: its request id header is `apigw-requestid` (REST's `x-amzn-requestid` is not sent).
      expect(r.headers['apigw-requestid']).toBe(body.requestId);
      expect(r.headers['x-amzn-requestid']).toBeUndefined();
      pids.add(body.pid);
      ids.push(body.requestId);
    }
    expect(pids.size).toBe(1);
    expect(engine.stats()[0].connections).toBe(1);
    for (const [i, id] of ids.entries()) {
      expect(await waitFor(() => linesOf(logs, id).some((l) => l.startsWith('REPORT')))).toBe(true);
      const lines = linesOf(logs, id);
      expect(lines[0]).toMatch(/^START RequestId: /);
      expect(lines.some((l) => l.includes(`line ${i}`))).toBe(true);
      expect(lines.some((l) => l.startsWith('END RequestId: '))).toBe(true);
    }
  });

  it('answers 504 with the request id when a handler is stuck past its timeout; the next request is served', async () => {
    const { base, logs } = await start(nodeSpec('front.handler', { timeoutMs: 500 }));
    const agent = keepAlive();
    expect((await get(base, '/f', agent)).status).toBe(200);
    const stuck = await get(base, '/f?spin=30000', agent);
    expect(stuck.status).toBe(504);
    const id = stuck.headers['apigw-requestid'] as string;
    expect(JSON.parse(stuck.text)).toEqual({ message: 'Endpoint request timed out', requestId: id });
    expect(await waitFor(() => linesOf(logs, id).some((l) => l.startsWith('REPORT')))).toBe(true);
    expect(linesOf(logs, id).some((l) => l.includes('Task timed out after 0.50 seconds'))).toBe(true);
    expect((await get(base, '/f', agent)).status).toBe(200);
  });

  it('answers a request that ends near its timeout once: 200 before it, 504 after it', async () => {
    const { base, logs } = await start(nodeSpec('front.handler', { timeoutMs: 500 }));
    const agent = keepAlive();
    expect((await get(base, '/f', agent)).status).toBe(200);
    // Long enough for the watchdog to have marked it running, done before the timeout.
    const inTime = await get(base, '/f?sleep=420', agent);
    expect(inTime.status).toBe(200);
    expect((await get(base, '/f', agent)).status).toBe(200);
    // Done just after the timeout: one answer, the 504 (from the daemon, or from the gateway once the slow
    // requests made the front give its connection back), and nothing after it on the connection.
    const late = await get(base, '/f?sleep=530', agent);
    expect(late.status).toBe(504);
    const id = late.headers['apigw-requestid'] as string;
    expect(JSON.parse(late.text)).toEqual({ message: 'Endpoint request timed out', requestId: id });
    if (late.headers.connection !== 'close') expect((await get(base, '/f', agent)).status).toBe(200);
    expect(await waitFor(() => linesOf(logs, id).some((l) => l.startsWith('REPORT')))).toBe(true);
    const fresh = keepAlive();
    expect((await get(base, '/f', fresh)).status).toBe(200);
    expect(linesOf(logs, inTime.headers['apigw-requestid'] as string).some((l) => l.includes('timed out'))).toBe(false);
  });

  it('finishes callback handlers that wait for an empty event loop, though it holds connections', async () => {
    const { engine, base } = await start(nodeSpec('front.callback', { timeoutMs: 3000 }));
    const agent = keepAlive();
    for (let i = 0; i < 3; i++) {
      const r = await get(base, '/f', agent);
      expect(r.status).toBe(200);
      expect(r.text).toBe('called back');
    }
    expect(engine.stats()[0].connections).toBe(1);
  });

  it('answers 502 only for the request a worker died in; its other connections are served on', async () => {
    const { engine, base } = await start(nodeSpec('front.handler'));
    const a = keepAlive();
    const b = keepAlive();
    expect((await get(base, '/f', a)).status).toBe(200);
    expect((await get(base, '/f', b)).status).toBe(200);
    expect(engine.stats()[0].connections).toBe(2);
    const died = await get(base, '/f?exit=1', a);
    expect(died.status).toBe(502);
    expect(JSON.parse(died.text)).toEqual({
      message: 'Internal server error',
      requestId: died.headers['apigw-requestid'],
    });
    // b's connection was idle in the worker that died: the api server serves it now.
    expect((await get(base, '/f', b)).status).toBe(200);
    expect((await get(base, '/f', a)).status).toBe(200);
    const thrown = await get(base, '/f?uncaught=1', keepAlive());
    expect(thrown.status).toBe(502);
  });

  it('runs one request at a time: one arriving meanwhile is answered by another worker', async () => {
    const { base } = await start(nodeSpec('front.handler'));
    const a = keepAlive();
    const b = keepAlive();
    expect((await get(base, '/f', a)).status).toBe(200);
    expect((await get(base, '/f', b)).status).toBe(200);
    const [slow, quick] = await Promise.all([get(base, '/f?sleep=400', a), sleep(100).then(() => get(base, '/f', b))]);
    expect(slow.status).toBe(200);
    expect(quick.status).toBe(200);
    expect((JSON.parse(slow.text) as { pid: number }).pid).not.toBe((JSON.parse(quick.text) as { pid: number }).pid);
  });

  it("gives a connection of an api of several functions to the worker of its first request's function", async () => {
    const other = nodeSpec('front.other');
    const { engine, base } = await start(nodeSpec('front.handler'), {}, [{ spec: other, path: '/other' }]);
    const a = keepAlive();
    const first = await get(base, '/f', a);
    expect(first.status).toBe(200);
    // Another function's request on the same connection: the worker forwards it, its function answers it.
    expect((await get(base, '/other', a)).text).toBe('other');
    const again = await get(base, '/f', a);
    expect((JSON.parse(again.text) as { pid: number }).pid).toBe((JSON.parse(first.text) as { pid: number }).pid);
    expect(engine.stats().map((s) => s.connections)).toEqual([1, 0]);
    const b = keepAlive();
    expect((await get(base, '/other', b)).text).toBe('other');
    expect((await get(base, '/other', b)).text).toBe('other');
    expect(engine.stats().map((s) => s.connections)).toEqual([1, 1]);
    // A first request no worker reads (no route here): the gateway answers it, and the connection's next ones.
    const c = keepAlive();
    expect((await get(base, '/nowhere', c)).status).toBe(404);
    expect((await get(base, '/f', c)).status).toBe(200);
    expect(engine.stats().map((s) => s.connections)).toEqual([1, 1]);
  });

  it('answers the requests a client sent at once on a new connection of an api of several functions', async () => {
    const other = nodeSpec('front.other');
    const { engine, base } = await start(nodeSpec('front.handler'), {}, [{ spec: other, path: '/other' }]);
    expect((await get(base, '/other', keepAlive())).text).toBe('other');
    const { port } = new URL(base);
    const socket = connect(Number(port), '127.0.0.1');
    cleanups.push(() => void socket.destroy());
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.write(
      'GET /other HTTP/1.1\r\nHost: t\r\n\r\nGET /f?log=1 HTTP/1.1\r\nHost: t\r\n\r\nGET /other HTTP/1.1\r\nHost: t\r\n\r\n',
    );
    expect(await waitFor(() => (text.match(/HTTP\/1\.1 200 OK/g) ?? []).length === 3)).toBe(true);
    // In order: other, the handler's JSON, other.
    expect(text.indexOf('\r\n\r\nother')).toBeLessThan(text.indexOf('"pid"'));
    expect(text.lastIndexOf('\r\n\r\nother')).toBeGreaterThan(text.indexOf('"pid"'));
    // This one and the first request's.
    expect(engine.stats().map((s) => s.connections)).toEqual([0, 2]);
  });

  it('adds the CORS headers of the route, as the gateway does', async () => {
    const spec = nodeSpec('front.handler');
    const engine = createFunctionEngine({ genericPoolSize: 1 });
    engine.activate(await engine.prepare(spec));
    const cors = {
      origins: ['https://app.example'],
      headers: ['Content-Type'],
      methods: [],
      allowCredentials: true,
      exposedHeaders: [],
    };
    const api = createApiServer({ engine, routes: [{ ...route('/f', spec.name), cors }] });
    const { url } = await api.listen();
    cleanups.push(async () => {
      await api.close();
      await engine.close();
    });
    const agent = keepAlive();
    for (let i = 0; i < 3; i++) {
      const r = await new Promise<Reply>((resolve, reject) => {
        const req = request(new URL('/f', url), { agent, headers: { origin: 'https://app.example' } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: '' }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(r.status).toBe(200);
      expect(r.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(r.headers['access-control-allow-credentials']).toBe('true');
    }
    expect(engine.stats()[0].connections).toBe(1);
  });

  it('leaves new connections to the gateway once its handler is slow', async () => {
    const { engine, base } = await start(nodeSpec('front.handler'));
    const agent = keepAlive();
    expect((await get(base, '/f', agent)).status).toBe(200);
    expect(engine.stats()[0].connections).toBe(1);
    for (let i = 0; i < 3; i++) expect((await get(base, '/f?sleep=30', agent)).status).toBe(200);
    const other = keepAlive();
    expect((await get(base, '/f', other)).status).toBe(200);
    expect(engine.stats()[0].connections).toBe(1);
    expect((await get(base, '/f', agent)).status).toBe(200);
  });

  it('still takes new connections after a slow first request (one run time is not typical)', async () => {
    const { engine, base } = await start(nodeSpec('front.handler'));
    const agent = keepAlive();
    expect((await get(base, '/f?sleep=30', agent)).status).toBe(200);
    await sleep(100); // its result reaches the engine a moment after its answer reaches the client
    const other = keepAlive();
    expect((await get(base, '/f', other)).status).toBe(200);
    expect(engine.stats()[0].connections).toBe(2);
  });

  it('still takes new connections after one slow request among fast ones', async () => {
    const { engine, base } = await start(nodeSpec('front.handler'));
    const agent = keepAlive();
    for (let i = 0; i < 5; i++) expect((await get(base, '/f', agent)).status).toBe(200);
    expect((await get(base, '/f?sleep=60', agent)).status).toBe(200);
    await sleep(100); // its result reaches the engine a moment after its answer reaches the client
    const other = keepAlive();
    expect((await get(base, '/f', other)).status).toBe(200);
    expect(engine.stats()[0].connections).toBe(2);
  });

  it.each([
    ['its one function', false],
    ['one of its several functions', true],
  ])('moves keep-alive connections of an api of %s to a new version with no failed request', async (_, several) => {
    const v1 = nodeSpec('front.handler', { environment: { CODE_VERSION: 'v1' } });
    const { engine, base } = await start(v1, {}, several ? [{ spec: nodeSpec('front.other'), path: '/other' }] : []);
    const agents = [keepAlive(), keepAlive(), keepAlive()];
    const statuses: number[] = [];
    const versions: string[] = [];
    let stop = false;
    const loops = agents.map(async (agent) => {
      const end = Date.now() + 8000;
      while (!stop && Date.now() < end) {
        const r = await get(base, '/f', agent);
        statuses.push(r.status);
        if (r.status === 200) versions.push((JSON.parse(r.text) as { version: string }).version);
      }
    });
    await waitFor(() => versions.length > 30);
    engine.activate(await engine.prepare({ ...v1, version: '2', environment: { CODE_VERSION: 'v2' } }));
    await waitFor(() => versions.slice(-10).length === 10 && versions.slice(-10).every((v) => v === 'v2'));
    // Under this load too, the old worker gives the connections back and the new version's worker takes them.
    expect(await waitFor(() => engine.stats()[0]?.connections === 3)).toBe(true);
    stop = true;
    await Promise.all(loops);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(versions.at(-1)).toBe('v2');
  });

  it('answers with the new version on the same connection once the switch is done', async () => {
    const v1 = nodeSpec('front.handler', { environment: { CODE_VERSION: 'v1' } });
    const { engine, base } = await start(v1);
    const agent = keepAlive();
    for (let round = 2; round <= 4; round++) {
      expect(engine.stats()[0].connections).toBeLessThanOrEqual(1);
      await get(base, '/f', agent);
      engine.activate(
        await engine.prepare({ ...v1, version: String(round), environment: { CODE_VERSION: `v${round}` } }),
      );
      await engine.switched!();
      const r = await get(base, '/f', agent);
      expect((JSON.parse(r.text) as { version: string }).version).toBe(`v${round}`);
    }
  });

  it('keeps a connection open when the worker serving it is reaped', async () => {
    const { engine, base } = await start(nodeSpec('front.handler', { keepWarmMs: 200 }), { reapIntervalMs: 20 });
    const agent = keepAlive();
    expect((await get(base, '/f', agent)).status).toBe(200);
    expect(engine.stats()[0].connections).toBe(1);
    expect(await waitFor(() => engine.stats()[0].workers === 0)).toBe(true);
    const again = await get(base, '/f', agent);
    expect(again.status).toBe(200);
  });

  it('starts a worker to serve a connection opened while the function is scaled to zero', async () => {
    // Kept warm long enough that the new worker is not reaped again before the check, on a loaded machine too.
    const { engine, base } = await start(nodeSpec('front.handler', { keepWarmMs: 1500 }), { reapIntervalMs: 20 });
    const first = keepAlive();
    expect((await get(base, '/f', first)).status).toBe(200);
    first.destroy();
    expect(await waitFor(() => engine.stats()[0].workers === 0)).toBe(true);
    // Several connections at once, as a client opening its pool: one worker is started and takes them all.
    const agents = [keepAlive(), keepAlive(), keepAlive()];
    const replies = await Promise.all(agents.map((a) => get(base, '/f', a)));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(engine.stats()[0].connections).toBe(3);
    expect(new Set(replies.map((r) => (JSON.parse(r.text) as { pid: number }).pid)).size).toBe(1);
  });

  it('answers handlers that settle during their own call, in order, on one connection', async () => {
    const handlers: [string, number, string][] = [
      ['front.plain', 200, 'plain n=1'],
      ['front.succeedNow', 201, 'succeeded'],
      ['front.succeedThenThrow', 202, 'first settlement'],
    ];
    for (const [handler, status, text] of handlers) {
      const { engine, base } = await start(nodeSpec(handler));
      const agent = keepAlive();
      for (let i = 0; i < 3; i++) {
        const r = await get(base, '/f?n=1', agent);
        expect([r.status, r.text]).toEqual([status, text]);
      }
      expect(engine.stats()[0].connections).toBe(1);
    }
  });
});
