// A front worker reads the plainest requests itself and leaves every other one to node:http
// (runtime/node/plain-http.mjs): a client must not be able to tell which of the two read its request. These
// tests talk raw HTTP/1.1 on one connection, so that they control how the bytes arrive.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createFunctionEngine } from '../../src/engine/function-engine.js';
import { createApiServer } from '../../src/engine/http/gateway.js';
import { expandLogRecord } from '../../src/engine/lambda-format.js';
import type { FunctionEngine, LogRecord } from '../../src/engine/types.js';
import { httpRoute, nodeSpec, sleep, waitFor } from './helpers.js';

interface Answer {
  status: number;
  /** Header lines as sent, in order. */
  lines: string[];
  headers: Record<string, string>;
  body: string;
}

/** One client connection, read answer by answer. */
class RawConnection {
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  closed = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => {});
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** The next answer; `noBody`: an answer to HEAD (its content-length is not followed by a body). */
  async answer(noBody = false, ms = 10_000): Promise<Answer> {
    const deadline = Date.now() + ms;
    for (;;) {
      const headEnd = this.buffer.indexOf('\r\n\r\n');
      if (headEnd !== -1) {
        const [statusLine, ...lines] = this.buffer.toString('latin1', 0, headEnd).split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines)
          headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 2);
        const status = Number(statusLine.split(' ')[1]);
        const length = noBody || status === 204 || status === 304 ? 0 : Number(headers['content-length'] ?? 0);
        const end = headEnd + 4 + length;
        if (this.buffer.length >= end) {
          const body = this.buffer.toString('utf8', headEnd + 4, end);
          this.buffer = this.buffer.subarray(end);
          return { status, lines, headers, body };
        }
      }
      if (this.closed) throw new Error(`connection closed; unread: ${JSON.stringify(this.buffer.toString())}`);
      if (Date.now() > deadline) throw new Error('no whole answer in time');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  /** Bytes received past the answers read so far. */
  get unread(): string {
    return this.buffer.toString('latin1');
  }

  async closedWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) await sleep(50);
    return this.closed;
  }
}

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/**
 * The echo handler behind `/echo` for any method, warm and serving connections itself; `several`: with another
 * function behind `/other` (the gateway then reads a connection's first request to know where it goes).
 */
async function startEcho(several = false): Promise<{ engine: FunctionEngine; port: number; logLines: string[] }> {
  const spec = nodeSpec('front.echo');
  const other = nodeSpec('front.other');
  const engine = createFunctionEngine({ genericPoolSize: 1 });
  const logLines: string[] = [];
  engine.onLog((record: LogRecord) => logLines.push(...expandLogRecord(record)));
  engine.activate(await engine.prepare(spec));
  if (several) engine.activate(await engine.prepare(other));
  const api = createApiServer({
    engine,
    routes: [httpRoute('ANY', '/echo', spec.name), ...(several ? [httpRoute('GET', '/other', other.name)] : [])],
  });
  const { url } = await api.listen();
  cleanups.push(async () => {
    await api.close();
    await engine.close();
  });
  const port = Number(new URL(url).port);
  // A first request starts the worker; the connections opened after it are its own.
  const warm = await RawConnection.open(port);
  warm.send('GET /echo HTTP/1.1\r\nHost: t\r\n\r\n');
  expect((await warm.answer()).status).toBe(200);
  warm.socket.destroy();
  return { engine, port, logLines };
}

async function open(port: number): Promise<RawConnection> {
  const c = await RawConnection.open(port);
  cleanups.push(() => void c.socket.destroy());
  return c;
}

const GET = 'GET /echo?a=1 HTTP/1.1\r\nHost: t\r\nCookie: c=1\r\n\r\n';

function json(answer: Answer): { pid: number; method: string; body: string | null; query: string; cookie: string[] } {
  return JSON.parse(answer.body) as never;
}

/** An answer's header lines with the values that differ from one request to the next blanked. */
function shape(answer: Answer): string[] {
  return answer.lines.map((l) => l.replace(/^(apigw-requestid|Date): .*/, '$1: …'));
}

describe('a front worker reading requests itself', () => {
  it('answers as node:http does, whichever of the two read the request', async () => {
    const { engine, port } = await startEcho();
    const c = await open(port);
    c.send(GET);
    const plain = await c.answer();
    // Half a request head: node:http reads the connection from here on.
    c.send('GET /echo?a=1 HTTP/1.1\r\nHo');
    await sleep(100);
    c.send('st: t\r\nCookie: c=1\r\n\r\n');
    const node = await c.answer();
    c.send(GET);
    const after = await c.answer();
    for (const a of [plain, node, after]) expect(a.status).toBe(200);
    expect(shape(plain)).toEqual(shape(node));
    expect(shape(after)).toEqual(shape(node));
    expect(plain.lines).toContain('Connection: keep-alive');
    expect(plain.lines).toContain('Keep-Alive: timeout=5');
    expect(plain.headers.date).toMatch(/^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
    expect(json(plain)).toMatchObject({ method: 'GET', query: 'a=1', cookie: ['c=1'] });
    expect(json(node)).toEqual({ ...json(plain) });
    // Served by the warm worker all along, not by the engine's gateway.
    expect(new Set([plain, node, after].map((a) => json(a).pid)).size).toBe(1);
    expect(engine.stats()[0].connections).toBe(1);
  });

  it.each([
    ['one function', false],
    ['several functions', true],
  ])('answers a request whose head comes in parts, first on a connection of an api of %s', async (_, several) => {
    const { engine, port } = await startEcho(several);
    const c = await open(port);
    c.send('POST /echo?a=1 HTTP/1.1\r\nHost: t\r\nContent-Le');
    await sleep(100);
    c.send('ngth: 3\r\n\r\nabc');
    const first = await c.answer();
    expect([first.status, json(first).body, json(first).query]).toEqual([200, 'abc', 'a=1']);
    c.send(GET);
    expect(json(await c.answer()).method).toBe('GET');
    if (several) {
      c.send('GET /other HTTP/1.1\r\nHost: t\r\n\r\n');
      expect((await c.answer()).body).toBe('other');
    }
    // One function: its worker serves the connection (node:http there reads it). Several: the gateway could not
    // tell which function the first request was for, and serves the connection itself.
    expect(engine.stats()[0].connections).toBe(several ? 0 : 1);
  });

  it('answers pipelined requests in order, and bodies with a length or chunked', async () => {
    const { port } = await startEcho();
    const c = await open(port);
    c.send(
      'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nfirst' +
        'PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\nsecond' +
        'DELETE /echo HTTP/1.1\r\nHost: t\r\n\r\n',
    );
    const answers = [await c.answer(), await c.answer(), await c.answer()];
    expect(answers.map((a) => [json(a).method, json(a).body])).toEqual([
      ['POST', 'first'],
      ['PUT', 'second'],
      ['DELETE', null],
    ]);
    expect(new Set(answers.map((a) => a.headers['apigw-requestid'])).size).toBe(3);
    c.send('POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n');
    expect([json(await c.answer()).body]).toEqual(['abcde']);
    c.send(GET);
    expect((await c.answer()).status).toBe(200);
  });

  it.each([
    ['a few', 20],
    ['more than a read takes', 3000],
  ])('answers %s requests sent while one runs, all in order, and reads on', async (_, count) => {
    const { port } = await startEcho();
    const c = await open(port);
    c.send('GET /echo?sleep=300 HTTP/1.1\r\nHost: t\r\n\r\n');
    await sleep(50);
    c.send(Array.from({ length: count }, (_, i) => `GET /echo?i=${i} HTTP/1.1\r\nHost: t\r\n\r\n`).join(''));
    expect(json(await c.answer()).query).toBe('sleep=300');
    const queries: string[] = [];
    for (let i = 0; i < count; i++) queries.push(json(await c.answer()).query);
    expect(queries).toEqual(Array.from({ length: count }, (_, i) => `i=${i}`));
    c.send(GET);
    expect((await c.answer()).status).toBe(200);
  });

  it('answers HEAD without a body, and a body that arrives after its head', async () => {
    const { port } = await startEcho();
    const c = await open(port);
    c.send('HEAD /echo HTTP/1.1\r\nHost: t\r\n\r\n');
    const head = await c.answer(true);
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    const d = await open(port);
    d.send('POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nab');
    await sleep(100);
    d.send('cd');
    expect(json(await d.answer()).body).toBe('abcd');
    // Nothing stray after HEAD's answer: the next answer starts right after it.
    c.send(GET);
    expect((await c.answer()).status).toBe(200);
    expect(c.unread).toBe('');
  });

  it('refuses malformed and oversized heads as node:http does', async () => {
    const { port } = await startEcho();
    const bad = await open(port);
    bad.send('GET /echo HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n');
    expect((await bad.answer()).status).toBe(400);
    const noHost = await open(port);
    noHost.send('GET /echo HTTP/1.1\r\n\r\n');
    expect((await noHost.answer()).status).toBe(400);
    const twoLengths = await open(port);
    twoLengths.send('POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab');
    expect((await twoLengths.answer()).status).toBe(400);
    const big = await open(port);
    big.send(`GET /echo HTTP/1.1\r\nHost: t\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`);
    expect((await big.answer()).status).toBe(431);
  });

  it('answers 502 for a header no client can be sent, and drops hop-by-hop ones; the connection goes on', async () => {
    const { port, logLines } = await startEcho();
    const c = await open(port);
    c.send(GET);
    const pid = json(await c.answer()).pid;
    c.send('GET /echo?answer=linebreak HTTP/1.1\r\nHost: t\r\n\r\n');
    const broken = await c.answer();
    expect(broken.status).toBe(502);
    expect(JSON.parse(broken.body)).toMatchObject({ message: 'Internal server error' });
    expect(broken.headers['x-b']).toBeUndefined();
    // The function's log says why, with the request's id.
    const why = 'skyrun: Malformed Lambda proxy response, answered 502: the value of header "x-a" has a line break';
    expect(await waitFor(() => logLines.some((l) => l.includes(why)))).toBe(true);
    c.send('GET /echo?answer=hop HTTP/1.1\r\nHost: t\r\n\r\n');
    const hop = await c.answer();
    expect([hop.status, hop.body, hop.headers.connection, hop.headers['transfer-encoding']]).toEqual([
      200,
      'hop',
      'keep-alive',
      undefined,
    ]);
    c.send(GET);
    expect(json(await c.answer()).pid).toBe(pid);
  });

  it(
    'closes a connection left idle past the keep-alive timeout (5 s), and no sooner',
    { timeout: 20_000 },
    async () => {
      const { port } = await startEcho();
      const c = await open(port);
      c.send(GET);
      expect((await c.answer()).status).toBe(200);
      expect(await c.closedWithin(3000)).toBe(false);
      // A request restarts the count: 6.5 s after the first one, the connection is still open.
      c.send(GET);
      expect((await c.answer()).status).toBe(200);
      expect(await c.closedWithin(3500)).toBe(false);
      expect(await c.closedWithin(4000)).toBe(true);
    },
  );
});
