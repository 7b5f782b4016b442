import { fileURLToPath } from 'node:url';
import type { FunctionVersionSpec, HttpRoute } from '../../src/engine/types.js';

export const NODE_FIXTURES = fileURLToPath(new URL('../fixtures/handlers/node/', import.meta.url));
export const PYTHON_FIXTURES = fileURLToPath(new URL('../fixtures/handlers/python/', import.meta.url));

let counter = 0;

export function nodeSpec(handler: string, overrides: Partial<FunctionVersionSpec> = {}): FunctionVersionSpec {
  counter++;
  return {
    service: 'svc',
    stage: 'test',
    key: `fn${counter}`,
    name: `svc-test-fn${counter}`,
    version: '1',
    codeDir: NODE_FIXTURES,
    handler,
    runtime: 'nodejs20.x',
    environment: {},
    timeoutMs: 6000,
    memorySize: 256,
    sha256: 'x',
    ...overrides,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every 20 ms for at most `ms`. */
export async function waitFor(check: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(20);
  }
  return check();
}

/** A route of an HTTP API (`httpApi`, payload 2.0) of the test service. */
export function httpRoute(method: string, path: string, functionName: string): HttpRoute {
  return { service: 'svc', stage: 'test', api: 'http', payloadVersion: '2.0', method, path, functionName };
}
