import { describe, expect, it } from 'vitest';
import { mapHttpResult } from '../../runtime/node/http-adapter.mjs';

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
});
