import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { hello, tick } from '../handler.js';

afterEach(() => {
  delete process.env.GREETING;
});

test('hello answers 200 with the stage greeting', async () => {
  process.env.GREETING = 'Hello from dev';
  const response = await hello({
    rawPath: '/hello',
    queryStringParameters: { name: 'Ada' },
    requestContext: { http: { method: 'GET' } },
  });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(JSON.parse(response.body), { message: 'Hello from dev, Ada!' });
});

test('hello falls back to Hello without GREETING', async () => {
  const response = await hello({});
  assert.deepEqual(JSON.parse(response.body), { message: 'Hello, world!' });
});

test('tick returns ok', async () => {
  assert.deepEqual(await tick({ time: '2030-01-01T00:00:00Z' }), { ok: true });
});
