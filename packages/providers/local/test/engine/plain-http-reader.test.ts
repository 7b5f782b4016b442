// The plain request reader (runtime/node/plain-http.mjs) must read a strict subset of what node:http reads, and
// read it the same: every request it accepts is sent to a node:http server here, which must see the same
// method, target, raw headers and body. Inputs: hand-picked edge cases and seeded random mutations of them.
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_PLAIN, readPlainRequest } from '../../runtime/node/plain-http.mjs';

interface Seen {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
}

let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('latin1'),
      };
      res.end(JSON.stringify(seen));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** What node:http makes of `bytes`: the first request as its handler saw it, or the status it refused it with. */
function nodeReads(bytes: Buffer): Promise<Seen | number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let got = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`node:http did not answer ${JSON.stringify(bytes.toString('latin1'))}`));
    }, 5000);
    socket.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      const text = got.toString('latin1');
      const headEnd = text.indexOf('\r\n\r\n');
      if (headEnd === -1) return;
      const status = Number(text.split(' ')[1]);
      const length = Number(/content-length: (\d+)/i.exec(text.slice(0, headEnd))?.[1] ?? -1);
      if (status !== 200) {
        finish(status);
        return;
      }
      if (length >= 0 && got.length >= headEnd + 4 + length) {
        finish(JSON.parse(got.toString('utf8', headEnd + 4, headEnd + 4 + length)) as Seen);
      }
    });
    socket.on('error', () => {});
    function finish(result: Seen | number): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    }
  });
}

const SEEDS = [
  'GET / HTTP/1.1\r\nHost: a\r\n\r\n',
  'GET /p/a%20b?x=1&y=%2F;z HTTP/1.1\r\nHost: a:80\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n',
  'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello',
  'PUT /x HTTP/1.1\r\nhost:  spaced  \r\nX-Empty:\r\nX-Tab:\tv\t\r\ncontent-length: 0\r\n\r\n',
  'DELETE /x HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nCookie: a=1; b=2\r\nCookie: c=3\r\n\r\n',
  'OPTIONS /x HTTP/1.1\r\nHost: a\r\nOrigin: http://o\r\nAccess-Control-Request-Method: GET\r\n\r\n',
  'PATCH /x HTTP/1.1\r\nHost: a\r\nX-Latin: caf\xe9\r\nContent-Length: 3\r\n\r\nabc',
];
/** Bytes a mutation inserts: the ones that separate, end or break HTTP syntax, and some that should not matter. */
const NOISE = [
  ' ',
  '\t',
  ':',
  '\r',
  '\n',
  '\r\n',
  '\x00',
  '\x7f',
  '\xe9',
  '#',
  '"',
  '/',
  '?',
  'a',
  'A',
  '0',
  '-',
  '\\',
];

/** A small deterministic PRNG (mulberry32), so that a failure is reproducible. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutations(count: number): string[] {
  const next = random(20261128);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let text = pick(SEEDS);
    const edits = 1 + Math.floor(next() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(next() * text.length);
      const kind = next();
      if (kind < 0.5) text = text.slice(0, at) + pick(NOISE) + text.slice(at);
      else if (kind < 0.8) text = text.slice(0, at) + text.slice(at + 1);
      else text = text.slice(0, at) + text.charAt(at).toUpperCase() + text.slice(at + 1);
    }
    out.push(text);
  }
  return out;
}

describe('the plain request reader', () => {
  it('reads the seed requests as node:http does', async () => {
    for (const text of SEEDS) {
      const bytes = Buffer.from(text, 'latin1');
      const read = readPlainRequest(bytes, 1024 * 1024);
      expect(read, text).not.toBe(NOT_PLAIN);
      expect(read!.end).toBe(bytes.length);
      const seen = await nodeReads(bytes);
      expect(
        { method: read!.method, url: read!.url, rawHeaders: read!.rawHeaders, body: text.slice(read!.bodyStart) },
        text,
      ).toEqual(seen);
    }
  });

  it('accepts nothing that node:http reads otherwise (1000 seeded mutations)', { timeout: 60_000 }, async () => {
    let accepted = 0;
    let declined = 0;
    for (const text of mutations(1000)) {
      const bytes = Buffer.from(text, 'latin1');
      const read = readPlainRequest(bytes, 1024 * 1024);
      if (read === NOT_PLAIN) {
        declined++;
        continue;
      }
      accepted++;
      const seen = await nodeReads(bytes.subarray(0, read.end));
      expect(
        {
          method: read.method,
          url: read.url,
          rawHeaders: read.rawHeaders,
          body: bytes.toString('latin1', read.bodyStart, read.end),
        },
        JSON.stringify(text),
      ).toEqual(seen);
    }
    // Both sides of the reader are exercised.
    expect(accepted).toBeGreaterThan(100);
    expect(declined).toBeGreaterThan(100);
  });

  it('declines what node:http must decide: other versions, methods, framing, oversized or partial input', () => {
    const declined = [
      'GET / HTTP/1.0\r\nHost: a\r\n\r\n',
      'HEAD / HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET / HTTP/1.1\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\n Folded: x\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\na',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2048\r\n\r\n' + 'x'.repeat(2048),
      'GET / HTTP/1.1\r\nHost: a\r\n',
      `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(17_000)}\r\n\r\n`,
    ];
    for (const text of declined) expect(readPlainRequest(Buffer.from(text, 'latin1'), 1024), text).toBe(NOT_PLAIN);
  });
});
