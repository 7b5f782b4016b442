import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFunctionEngine } from '../../src/engine/function-engine.js';
import { createInvokeApiServer, functionNameFrom } from '../../src/engine/invoke-api.js';
import type { FunctionEngine } from '../../src/engine/types.js';
import { nodeSpec } from './helpers.js';

let engine: FunctionEngine;
let client: LambdaClient;
let close: () => Promise<void>;
const queued: { name: string; payload: unknown; requestId: string }[] = [];
let echoName = '';
let throwsName = '';

const decode = (b?: Uint8Array) => (b ? JSON.parse(Buffer.from(b).toString('utf8')) : undefined);

beforeAll(async () => {
  engine = createFunctionEngine({ genericPoolSize: 1, defaultMemorySize: 256 });
  const echo = nodeSpec('behaviours.logsMarked');
  const throws = nodeSpec('behaviours.throws');
  echoName = echo.name;
  throwsName = throws.name;
  engine.activate(await engine.prepare(echo));
  engine.activate(await engine.prepare(throws));
  const server = createInvokeApiServer({
    engine,
    onAsyncInvoke: async (name, payload, requestId) => {
      queued.push({ name, payload, requestId });
    },
  });
  const { url } = await server.listen();
  close = server.close;
  client = new LambdaClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await close?.();
  await engine?.close();
});

describe('Lambda Invoke API with the AWS SDK', () => {
  it('RequestResponse returns the payload, executed version and the log tail', async () => {
    const out = await client.send(
      new InvokeCommand({ FunctionName: echoName, Payload: JSON.stringify({ marker: 'sdk-1' }), LogType: 'Tail' }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(decode(out.Payload)).toBe('sdk-1');
    expect(out.ExecutedVersion).toBe('1');
    const tail = Buffer.from(out.LogResult!, 'base64').toString('utf8');
    expect(tail).toMatch(/^START RequestId: \S+ Version: 1$/m);
    expect(tail).toContain('marker sdk-1');
    expect(tail).toMatch(/^REPORT RequestId: /m);
  });

  it('accepts the function ARN as the name', async () => {
    const arn = `arn:aws:lambda:us-east-1:000000000000:function:${echoName}`;
    const out = await client.send(new InvokeCommand({ FunctionName: arn, Payload: JSON.stringify({ marker: 'arn' }) }));
    expect(decode(out.Payload)).toBe('arn');
    expect(functionNameFrom(encodeURIComponent(`${echoName}:live`))).toBe(echoName);
  });

  it('a handler error sets X-Amz-Function-Error and returns the error payload', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: throwsName, Payload: '{}' }));
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(decode(out.Payload)).toMatchObject({ errorType: 'TypeError', errorMessage: 'boom' });
  });

  it('Event answers 202 and hands the event to the daemon queue', async () => {
    const out = await client.send(
      new InvokeCommand({
        FunctionName: echoName,
        InvocationType: 'Event',
        Payload: JSON.stringify({ marker: 'async' }),
      }),
    );
    expect(out.StatusCode).toBe(202);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    // The queue stores the event under the id the 202 answer carried: the invocation runs with it.
    expect(queued).toContainEqual({ name: echoName, payload: { marker: 'async' }, requestId: out.$metadata.requestId });
  });

  it('DryRun answers 204 without invoking', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: echoName, InvocationType: 'DryRun' }));
    expect(out.StatusCode).toBe(204);
  });

  it('an unknown function is ResourceNotFoundException', async () => {
    const err = await client
      .send(new InvokeCommand({ FunctionName: 'no-such-fn', Payload: '{}' }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
    expect((err as Error).message).toContain(
      'Function not found: arn:aws:lambda:us-east-1:000000000000:function:no-such-fn',
    );
  });

  it('invalid JSON is InvalidRequestContentException', async () => {
    const err = await client
      .send(new InvokeCommand({ FunctionName: echoName, Payload: Buffer.from('{nope') }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InvalidRequestContentException', $metadata: { httpStatusCode: 400 } });
  });
});
