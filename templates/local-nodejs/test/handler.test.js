import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hello, tick } from '../handler.js';

test('hello answers 200 with a greeting', async () => {
  const response = await hello({
    rawPath: '/hello',
    queryStringParameters: { name: 'Ada' },
    requestContext: { http: { method: 'GET' } },
  });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(JSON.parse(response.body), { message: 'Hello, Ada!' });
});

test('hello greets the world without a name', async () => {
  const response = await hello({});
  assert.deepEqual(JSON.parse(response.body), { message: 'Hello, world!' });
});

test('tick returns ok', async () => {
  assert.deepEqual(await tick({ time: '2030-01-01T00:00:00Z' }), { ok: true });
});
