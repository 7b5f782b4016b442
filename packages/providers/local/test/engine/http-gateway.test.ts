import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFunctionEngine } from '../../src/engine/function-engine.js';
import { createApiServer, createHttpGateway } from '../../src/engine/http/gateway.js';
import { RouteTable } from '../../src/engine/http/route-table.js';
import type { FunctionEngine, HttpRoute } from '../../src/engine/types.js';
import { nodeSpec } from './helpers.js';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

let engine: FunctionEngine;
let baseUrl: string;
let close: () => Promise<void>;
const names: Record<string, string> = {};

const cors = {
  origins: ['https://app.example'],
  headers: ['Content-Type', 'X-Api-Key'],
  methods: [],
  allowCredentials: true,
  exposedHeaders: ['X-Single'],
  maxAge: 600,
};

function route(
  api: 'rest' | 'http',
  method: string,
  path: string,
  fn: string,
  extra: Partial<HttpRoute> = {},
): HttpRoute {
  return {
    service: 'svc',
    stage: 'dev',
    api,
    payloadVersion: api === 'rest' ? '1.0' : '2.0',
    method,
    path,
    functionName: names[fn],
    ...extra,
  };
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json: () => unknown;
}

function call(
  method: string,
  path: string,
  options: { headers?: Record<string, string | string[]>; body?: Buffer | string; base?: string } = {},
): Promise<Reply> {
  const url = new URL(path, options.base ?? baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers, body, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

beforeAll(async () => {
  engine = createFunctionEngine({ genericPoolSize: 1, defaultMemorySize: 256 });
  const handlers = [
    'echoEvent',
    'plainObject',
    'plainString',
    'rich',
    'binary',
    'malformed',
    'objectBodyV1',
    'throws',
    'slow',
    'hello',
  ];
  await Promise.all(
    handlers.map(async (h) => {
      const spec = nodeSpec(`http.${h}`, { timeoutMs: h === 'slow' ? 300 : 6000, reservedConcurrency: 2 });
      names[h] = spec.name;
      engine.activate(await engine.prepare(spec));
    }),
  );
  const server = createApiServer({
    engine,
    bodyLimitBytes: 64 * 1024,
    routes: [
      route('rest', 'GET', '/users/{id}', 'echoEvent'),
      route('rest', 'GET', '/users/me', 'echoEvent'),
      route('rest', 'ANY', '/rest/{proxy+}', 'echoEvent'),
      route('rest', 'POST', '/rest/upload', 'echoEvent'),
      route('rest', 'GET', '/rest-only-get', 'hello'),
      route('rest', 'GET', '/rest/malformed', 'objectBodyV1'),
      route('rest', 'GET', '/rest/slow', 'slow'),
      route('http', 'GET', '/v2/items/{id}', 'echoEvent'),
      route('http', 'POST', '/v2/echo', 'echoEvent', { cors }),
      route('http', 'GET', '/v2/plain', 'plainObject'),
      route('http', 'GET', '/v2/string', 'plainString'),
      route('http', 'GET', '/v2/rich', 'rich', { cors }),
      route('http', 'GET', '/v2/binary', 'binary'),
      route('http', 'GET', '/v2/malformed', 'malformed'),
      route('http', 'GET', '/v2/throws', 'throws'),
      route('http', 'GET', '/v2/slow', 'slow'),
      route('http', 'GET', '/v2/only-get', 'hello'),
      route('http', 'GET', '/v2/files/{proxy+}', 'echoEvent'),
    ],
  });
  baseUrl = (await server.listen()).url;
  close = server.close;
});

afterAll(async () => {
  await close?.();
  await engine?.close();
});

/**
 * The request id of an answer, in its API's header: `x-amzn-requestid` for a REST api's route (1.0),
 * `apigw-requestid` for an HTTP API's (2.0), and both for the gateway's own answers (no payload version).
 */
function expectRequestId(r: Reply, payloadVersion?: '1.0' | '2.0') {
  const rest = r.headers['x-amzn-requestid'];
  const httpApi = r.headers['apigw-requestid'];
  const id = payloadVersion === '2.0' ? httpApi : rest;
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  if (payloadVersion === undefined) expect(httpApi).toBe(id);
  else expect(payloadVersion === '2.0' ? rest : httpApi).toBeUndefined();
  return id as string;
}

describe('route matching', () => {
  it('prefers static over param over greedy, ANY and catch-all last', () => {
    const r = (method: string, path: string, fn: string): HttpRoute => ({
      service: 's',
      stage: 'd',
      api: 'http',
      payloadVersion: '2.0',
      method,
      path,
      functionName: fn,
    });
    const t = new RouteTable([
      r('ANY', '*', 'catchall'),
      r('GET', '/{proxy+}', 'greedy'),
      r('GET', '/a/{x}', 'param'),
      r('GET', '/a/b', 'static'),
      r('ANY', '/a/b', 'static-any'),
      r('GET', '/a/{x}/c', 'param-c'),
      r('GET', '/a/b/{rest+}', 'static-greedy'),
    ]);
    const m = (method: string, path: string) => {
      const x = t.match(method, path);
      return x.kind === 'found' ? [x.route.functionName, x.pathParameters] : [x.kind];
    };
    expect(m('GET', '/a/b')).toEqual(['static', null]);
    expect(m('POST', '/a/b')).toEqual(['static-any', null]);
    expect(m('GET', '/a/b/')).toEqual(['static', null]);
    expect(m('GET', '/a/zz')).toEqual(['param', { x: 'zz' }]);
    expect(m('GET', '/a/hello%20world')).toEqual(['param', { x: 'hello world' }]);
    expect(m('GET', '/a/q/c')).toEqual(['param-c', { x: 'q' }]);
    expect(m('GET', '/a/b/c/d')).toEqual(['static-greedy', { rest: 'c/d' }]);
    expect(m('GET', '/x/y/z')).toEqual(['greedy', { proxy: 'x/y/z' }]);
    expect(m('DELETE', '/x/y')).toEqual(['catchall', null]);
    expect(m('GET', '/')).toEqual(['catchall', null]);
    const strict = new RouteTable([r('GET', '/only', 'only')]);
    expect(strict.match('POST', '/only').kind).toBe('method-not-allowed');
    expect(strict.match('GET', '/other').kind).toBe('not-found');
  });

  it('hosts several apis on one listener under base paths and swaps route tables atomically', async () => {
    const gateway = createHttpGateway({ engine });
    gateway.setRoutes('svc-a-dev', [route('http', 'GET', '/hello', 'hello')], { basePath: '/svc-a/dev' });
    gateway.setRoutes('svc-b-dev', [route('http', 'GET', '/hello', 'plainString')], { basePath: '/svc-b/dev' });
    const server = createServer(gateway.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await call('GET', '/svc-a/dev/hello', { base })).text).toBe('hello');
      expect((await call('GET', '/svc-b/dev/hello', { base })).text).toBe('just text');
      expect((await call('GET', '/svc-c/dev/hello', { base })).status).toBe(404);
      gateway.setRoutes('svc-a-dev', [route('http', 'GET', '/bonjour', 'hello')], { basePath: '/svc-a/dev' });
      expect((await call('GET', '/svc-a/dev/hello', { base })).status).toBe(404);
      expect((await call('GET', '/svc-a/dev/bonjour', { base })).text).toBe('hello');
      gateway.removeRoutes('svc-b-dev');
      expect((await call('GET', '/svc-b/dev/hello', { base })).status).toBe(404);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('REST (payload 1.0)', () => {
  it('sends the v1 event fields', async () => {
    const r = await call('GET', '/users/42?a=1&b=2&a=3&sp=x%20y', {
      headers: { 'X-Custom': 'v1', 'User-Agent': 'vitest-agent' },
    });
    expect(r.status).toBe(200);
    const id = expectRequestId(r, '1.0');
    const e = r.json();
    expect(e).toMatchObject({
      resource: '/users/{id}',
      path: '/users/42',
      httpMethod: 'GET',
      pathParameters: { id: '42' },
      stageVariables: null,
      queryStringParameters: { a: '3', b: '2', sp: 'x y' },
      multiValueQueryStringParameters: { a: ['1', '3'], b: ['2'], sp: ['x y'] },
      body: null,
      isBase64Encoded: false,
    });
    expect(e.headers['X-Custom']).toBe('v1');
    expect(e.multiValueHeaders['X-Custom']).toEqual(['v1']);
    expect(e.requestContext).toMatchObject({
      requestId: id,
      stage: 'dev',
      path: '/dev/users/42',
      resourcePath: '/users/{id}',
      httpMethod: 'GET',
      protocol: 'HTTP/1.1',
      identity: { sourceIp: '127.0.0.1', userAgent: 'vitest-agent' },
    });
    expect(e.requestContext.requestTime).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(e.requestContext.requestTimeEpoch - Date.now())).toBeLessThan(10_000);
  });

  it('matches static before param and greedy proxy paths', async () => {
    expect((await call('GET', '/users/me')).json().resource).toBe('/users/me');
    const p = (await call('DELETE', '/rest/a/b/c')).json();
    expect(p).toMatchObject({ resource: '/rest/{proxy+}', httpMethod: 'DELETE', pathParameters: { proxy: 'a/b/c' } });
  });

  it('base64-encodes binary request bodies and passes text bodies as is', async () => {
    const bin = (
      await call('POST', '/rest/upload', {
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.from([1, 2, 3, 255]),
      })
    ).json();
    expect(bin).toMatchObject({ isBase64Encoded: true, body: Buffer.from([1, 2, 3, 255]).toString('base64') });
    const txt = (
      await call('POST', '/rest/upload', { headers: { 'content-type': 'application/json' }, body: '{"a":1}' })
    ).json();
    expect(txt).toMatchObject({ isBase64Encoded: false, body: '{"a":1}' });
  });

  it('wrong method answers 403 Missing Authentication Token (as API Gateway REST)', async () => {
    const r = await call('POST', '/rest-only-get');
    expect(r.status).toBe(403);
    expect(r.json()).toEqual({ message: 'Missing Authentication Token', requestId: expectRequestId(r) });
  });

  it('a non-string body is a malformed proxy response: 502', async () => {
    const r = await call('GET', '/rest/malformed');
    expect(r.status).toBe(502);
    expect(r.json()).toEqual({ message: 'Internal server error', requestId: expectRequestId(r) });
  });

  it('a function timeout answers 504', async () => {
    const r = await call('GET', '/rest/slow');
    expect(r.status).toBe(504);
    expect(r.json()).toEqual({ message: 'Endpoint request timed out', requestId: expectRequestId(r) });
  });
});

describe('HTTP API (payload 2.0)', () => {
  it('sends the v2 event fields: lower-cased joined headers, cookies, raw query', async () => {
    const r = await call('GET', '/v2/items/7?x=1&x=2&y=z', {
      headers: { 'X-Repeat': ['a', 'b'], Cookie: 'c1=v1; c2=v2', 'User-Agent': 'ua-test' },
    });
    expect(r.status).toBe(200);
    const id = expectRequestId(r, '2.0');
    const e = r.json();
    expect(e).toMatchObject({
      version: '2.0',
      routeKey: 'GET /v2/items/{id}',
      rawPath: '/v2/items/7',
      rawQueryString: 'x=1&x=2&y=z',
      cookies: ['c1=v1', 'c2=v2'],
      queryStringParameters: { x: '1,2', y: 'z' },
      pathParameters: { id: '7' },
      isBase64Encoded: false,
    });
    expect(e.headers['x-repeat']).toBe('a,b');
    expect(e.headers.cookie).toBeUndefined();
    expect(e.body).toBeUndefined();
    expect(e.requestContext).toMatchObject({
      requestId: id,
      routeKey: 'GET /v2/items/{id}',
      stage: '$default',
      http: { method: 'GET', path: '/v2/items/7', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'ua-test' },
    });
    expect(e.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(typeof e.requestContext.timeEpoch).toBe('number');
  });

  it('greedy paths and binary bodies', async () => {
    const e = (await call('GET', '/v2/files/a/b.txt')).json();
    expect(e.pathParameters).toEqual({ proxy: 'a/b.txt' });
    const b = (
      await call('POST', '/v2/echo', { headers: { 'content-type': 'image/png' }, body: Buffer.from([9, 8, 7]) })
    ).json();
    expect(b).toMatchObject({ isBase64Encoded: true, body: Buffer.from([9, 8, 7]).toString('base64') });
  });

  it('a plain object or string result is a 200 JSON response', async () => {
    const o = await call('GET', '/v2/plain');
    expect(o.status).toBe(200);
    expect(o.headers['content-type']).toBe('application/json');
    expect(o.json()).toEqual({ hello: 'world' });
    const s = await call('GET', '/v2/string');
    expect(s.status).toBe(200);
    expect(s.text).toBe('just text');
  });

  it('maps statusCode, headers, multiValueHeaders and cookies', async () => {
    const r = await call('GET', '/v2/rich');
    expect(r.status).toBe(201);
    expect(r.text).toBe('created');
    expect(r.headers['x-single']).toBe('one');
    expect(r.headers['x-multi']).toBe('a, b');
    expect(r.headers['content-type']).toBe('text/plain');
    expect(r.headers['set-cookie']).toEqual(['session=abc; HttpOnly', 'theme=dark']);
  });

  it('decodes base64 response bodies', async () => {
    const r = await call('GET', '/v2/binary');
    expect(r.headers['content-type']).toBe('image/png');
    expect([...r.body]).toEqual([0, 1, 2, 250, 255]);
  });

  it('CORS: answers preflight and adds headers to responses', async () => {
    const pre = await call('OPTIONS', '/v2/echo', {
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-headers': 'Content-Type,X-Api-Key',
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '600',
    });
    expect(pre.headers['access-control-allow-methods']).toContain('POST');
    const actual = await call('GET', '/v2/rich', { headers: { Origin: 'https://app.example' } });
    expect(actual.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(actual.headers['access-control-expose-headers']).toBe('X-Single');
    const foreign = await call('GET', '/v2/rich', { headers: { Origin: 'https://evil.example' } });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    // No CORS on the route: a preflight is just an unmatched OPTIONS request.
    const none = await call('OPTIONS', '/v2/plain', {
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(none.status).toBe(404);
  });

  it('errors: 404 unknown route and wrong method, 413, 502, 504, each with the request id', async () => {
    const unknown = await call('GET', '/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toEqual({ message: 'Not Found', requestId: expectRequestId(unknown) });
    const wrong = await call('DELETE', '/v2/only-get');
    expect(wrong.status).toBe(404);
    expect(wrong.json()).toEqual({ message: 'Not Found', requestId: expectRequestId(wrong) });
    const big = await call('POST', '/v2/echo', {
      headers: { 'content-type': 'text/plain' },
      body: 'x'.repeat(65 * 1024),
    });
    expect(big.status).toBe(413);
    expect(big.json()).toEqual({ message: 'Request Entity Too Large', requestId: expectRequestId(big) });
    const thrown = await call('GET', '/v2/throws');
    expect(thrown.status).toBe(502);
    expect(thrown.json()).toEqual({ message: 'Internal server error', requestId: expectRequestId(thrown) });
    const bad = await call('GET', '/v2/malformed');
    expect(bad.status).toBe(502);
    const slow = await call('GET', '/v2/slow');
    expect(slow.status).toBe(504);
    expect(slow.json().requestId).toBe(expectRequestId(slow));
  });

  it('rejects a chunked body over the limit with 413', async () => {
    const r = await new Promise<number>((resolve, reject) => {
      const req = request(
        new URL('/v2/echo', baseUrl),
        { method: 'POST', headers: { 'transfer-encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write('y'.repeat(10 * 1024));
      req.end();
    });
    expect(r).toBe(413);
  });
});
