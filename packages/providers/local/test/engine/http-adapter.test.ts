import { describe, expect, it } from 'vitest';
import { buildHttpEvent, malformedReason, mapHttpResult, type HttpRequest } from '../../runtime/node/http-adapter.mjs';

function request(overrides: Partial<HttpRequest>): HttpRequest {
  return {
    v: '2.0',
    id: 'req-1',
    method: 'GET',
    path: '/items',
    query: '',
    headers: ['Host', 'api.example.com'],
    ip: '127.0.0.1',
    time: 1_764_288_000_000,
    httpVersion: '1.1',
    apiId: 'abc',
    resource: '/items',
    routeMethod: 'GET',
    stage: '$default',
    params: null,
    ...overrides,
  };
}

interface V2Event {
  routeKey: string;
  requestContext: { routeKey: string; domainPrefix: string; http: { protocol: string } };
}

describe('HTTP API (2.0) events', () => {
  it('a plain GET has the fields of any event, in the same order, without the absent ones', () => {
    const plain = buildHttpEvent(request({}), null) as Record<string, unknown>;
    const full = buildHttpEvent(
      request({ query: 'a=1', headers: ['Host', 'api.example.com', 'Cookie', 'c=1'], params: { id: '1' } }),
      Buffer.from('x'),
    ) as Record<string, unknown>;
    expect(Object.keys(plain)).toEqual([
      'version',
      'routeKey',
      'rawPath',
      'rawQueryString',
      'headers',
      'requestContext',
      'isBase64Encoded',
    ]);
    expect(Object.keys(full)).toEqual([
      'version',
      'routeKey',
      'rawPath',
      'rawQueryString',
      'cookies',
      'headers',
      'queryStringParameters',
      'requestContext',
      'pathParameters',
      'body',
      'isBase64Encoded',
    ]);
    expect(plain.requestContext).toEqual({ ...(full.requestContext as object) });
  });

  it('route key, domain prefix and protocol follow each request, not the one before', () => {
    const first = buildHttpEvent(request({}), null) as V2Event;
    const second = buildHttpEvent(
      request({ routeMethod: '*', resource: '/other/{id}', headers: ['host', 'localhost:3001'], httpVersion: '1.0' }),
      null,
    ) as V2Event;
    const third = buildHttpEvent(request({}), null) as V2Event;
    expect([first.routeKey, second.routeKey, third.routeKey]).toEqual(['GET /items', 'ANY /other/{id}', 'GET /items']);
    expect([first, second, third].map((e) => e.requestContext.domainPrefix)).toEqual(['api', 'localhost:3001', 'api']);
    expect([first, second, third].map((e) => e.requestContext.http.protocol)).toEqual([
      'HTTP/1.1',
      'HTTP/1.0',
      'HTTP/1.1',
    ]);
    expect(second.requestContext.routeKey).toBe('ANY /other/{id}');
  });
});

describe('HTTP API (2.0) result mapping', () => {
  it('lower-cases header names, keeps their order, and defaults the content type to JSON', () => {
    expect(mapHttpResult('2.0', { statusCode: 201, headers: { 'X-One': '1', 'X-Two': 2, 'X-Off': false } })).toEqual({
      statusCode: 201,
      headers: ['x-one', '1', 'x-two', '2', 'x-off', 'false', 'content-type', 'application/json'],
      body: '',
    });
    expect(
      mapHttpResult('2.0', { statusCode: 200, headers: { 'Content-Type': 'text/plain', 'X-A': 'a' }, body: 'hi' }),
    ).toEqual({ statusCode: 200, headers: ['content-type', 'text/plain', 'x-a', 'a'], body: 'hi' });
  });

  it("drops the gateway's own headers and values JSON drops", () => {
    const mapped = mapHttpResult('2.0', {
      statusCode: 200,
      headers: { 'Content-Length': '999', 'apigw-requestid': 'mine', 'x-gone': undefined, 'x-fn': () => 1, 'x-k': 'v' },
      body: 'x',
    });
    expect(mapped?.headers).toEqual(['x-k', 'v', 'content-type', 'application/json']);
  });

  it('keeps the last value of a name given twice in different case, at the first one’s place', () => {
    expect(
      mapHttpResult('2.0', { statusCode: 200, headers: { 'X-Dup': 'first', 'X-B': 'b', 'x-dup': 'last' }, body: '' })
        ?.headers,
    ).toEqual(['x-dup', 'last', 'x-b', 'b', 'content-type', 'application/json']);
  });

  it('merges multiValueHeaders and cookies as API Gateway does', () => {
    expect(
      mapHttpResult('2.0', {
        statusCode: 200,
        headers: { 'X-M': 'h' },
        multiValueHeaders: { 'X-M': ['a', 'b'] },
        cookies: ['c=1'],
        body: '',
      })?.headers,
    ).toEqual(['x-m', 'h', 'x-m', 'a', 'x-m', 'b', 'set-cookie', 'c=1', 'content-type', 'application/json']);
  });

  it('rejects headers that are not an object', () => {
    expect(mapHttpResult('2.0', { statusCode: 200, headers: 'nope' })).toBeUndefined();
  });

  it('rejects what no HTTP answer can carry: a 1xx status, a header name that is no token, a line break in a value', () => {
    expect(mapHttpResult('2.0', { statusCode: 101, body: 'x' })).toBeUndefined();
    expect(mapHttpResult('2.0', { statusCode: 200, headers: { 'x a': 'v' }, body: '' })).toBeUndefined();
    expect(
      mapHttpResult('2.0', { statusCode: 200, headers: { 'x-a': 'a\r\nset-cookie: x=1' }, body: '' }),
    ).toBeUndefined();
    expect(mapHttpResult('2.0', { statusCode: 200, multiValueHeaders: { 'x-a': ['ok', 'a\nb'] } })).toBeUndefined();
    expect(mapHttpResult('2.0', { statusCode: 200, cookies: ['a=1\n'] })).toBeUndefined();
    expect(mapHttpResult('1.0', { statusCode: 200, headers: { 'x-a': '\u2713' }, body: '' })).toBeUndefined();
    // Latin-1 and tabs are sendable, as node:http sends them.
    expect(mapHttpResult('2.0', { statusCode: 200, headers: { 'x-a': 'caf\u00e9\tok' }, body: '' })?.headers).toEqual([
      'x-a',
      'caf\u00e9\tok',
      'content-type',
      'application/json',
    ]);
  });

  it("drops hop-by-hop headers: the client's connection is the gateway's, not the handler's", () => {
    const headers = {
      Connection: 'close',
      'Keep-Alive': 'timeout=1',
      'Transfer-Encoding': 'chunked',
      Upgrade: 'websocket',
      Trailer: 'x',
      TE: 'trailers',
      'x-k': 'v',
    };
    expect(mapHttpResult('2.0', { statusCode: 200, headers, body: '' })?.headers).toEqual([
      'x-k',
      'v',
      'content-type',
      'application/json',
    ]);
    expect(mapHttpResult('1.0', { statusCode: 200, headers, body: '' })?.headers).toEqual([
      'x-k',
      'v',
      'content-type',
      'application/json',
    ]);
  });
});

describe('malformed results', () => {
  it('says what is wrong with each, as API Gateway does not', () => {
    const cases: ['1.0' | '2.0', unknown, string][] = [
      [
        '1.0',
        'hello',
        'a REST API (http event) handler must return an object { statusCode, headers, body }, not "hello"',
      ],
      ['2.0', { statusCode: '200' }, 'statusCode must be a whole number from 200 to 599, not "200"'],
      ['2.0', { statusCode: 101 }, 'statusCode must be a whole number from 200 to 599, not 101'],
      ['2.0', { statusCode: 200, headers: 'x' }, 'headers must be an object of header names and values, not "x"'],
      [
        '1.0',
        { statusCode: 200, multiValueHeaders: { a: 'b' } },
        'multiValueHeaders["a"] must be an array of values, not "b"',
      ],
      ['2.0', { statusCode: 200, cookies: 'a=1' }, 'cookies must be an array of strings, not "a=1"'],
      ['1.0', { statusCode: 200, body: { a: 1 } }, 'body must be a string (JSON.stringify it), not {"a":1}'],
      ['2.0', { statusCode: 200, headers: { 'x a': '1' } }, 'header name "x a" is not a valid HTTP header name'],
      [
        '2.0',
        { statusCode: 200, headers: { 'x-a': 'a\nb' } },
        'the value of header "x-a" has a line break or another character HTTP does not allow: "a\\nb"',
      ],
    ];
    for (const [version, result, reason] of cases) {
      expect(mapHttpResult(version, result)).toBeUndefined();
      expect(malformedReason(version, result)).toBe(reason);
    }
  });
});
