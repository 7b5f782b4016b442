import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFunctionEngine } from '../../src/engine/function-engine.js';
import { createApiServer, type ApiServer } from '../../src/engine/http/gateway.js';
import type { FunctionEngine, FunctionVersionSpec } from '../../src/engine/types.js';
import { httpRoute, nodeSpec, sleep } from './helpers.js';

interface LoadResult {
  ok: number;
  failed: number;
  statuses: Record<number, number>;
  bodies: Record<string, number>;
}

/** `connections` keep-alive clients, each sending requests back to back until `ms` pass or `maxRequests` are done. */
async function load(url: string, connections: number, ms: number, maxRequests: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const result: LoadResult = { ok: 0, failed: 0, statuses: {}, bodies: {} };
  const end = Date.now() + ms;
  let sent = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request(url, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          result.statuses[res.statusCode!] = (result.statuses[res.statusCode!] ?? 0) + 1;
          if (res.statusCode === 200) result.ok++;
          else result.failed++;
          result.bodies[body] = (result.bodies[body] ?? 0) + 1;
          resolve();
        });
      });
      req.on('error', () => {
        result.failed++;
        resolve();
      });
      req.end();
    });
  const worker = async () => {
    while (Date.now() < end && sent < maxRequests) {
      sent++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
  return result;
}

let engine: FunctionEngine;
let api: ApiServer;
let url: string;
let spec: FunctionVersionSpec;

beforeAll(async () => {
  engine = createFunctionEngine({ genericPoolSize: 1, defaultMemorySize: 256 });
  spec = nodeSpec('http.versioned', { environment: { CODE_VERSION: 'v1' }, reservedConcurrency: 4 });
  engine.activate(await engine.prepare(spec));
  api = createApiServer({
    engine,
    routes: [httpRoute('GET', '/hello', spec.name)],
  });
  url = `${(await api.listen()).url}/hello`;
});

afterAll(async () => {
  await api?.close();
  await engine?.close();
});

describe('bounded load', () => {
  it('50 connections for 10 s against a healthy function: zero errors', { timeout: 30_000 }, async () => {
    const started = Date.now();
    const r = await load(url, 50, 10_000, 1_000_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(10_000);
    expect(r.failed).toBe(0);
    expect(r.statuses).toEqual({ 200: r.ok });
    expect(r.ok).toBeGreaterThan(1000);
  });

  it('a redeploy (prepare + activate) during load: zero failed requests, traffic moves to the new version', async () => {
    const running = load(url, 50, 4000, 1_000_000);
    await sleep(500);
    const v2 = { ...spec, version: '2', environment: { CODE_VERSION: 'v2' } };
    engine.activate(await engine.prepare(v2));
    await sleep(300);
    const v3 = { ...spec, version: '3', environment: { CODE_VERSION: 'v3' } };
    engine.activate(await engine.prepare(v3));
    const r = await running;
    expect(r.failed).toBe(0);
    expect(r.statuses).toEqual({ 200: r.ok });
    expect(r.bodies.v1).toBeGreaterThan(0);
    expect(r.bodies.v3).toBeGreaterThan(0);
    const after = await load(url, 1, 1000, 5);
    expect(after.bodies).toEqual({ v3: 5 });
    expect(engine.stats().find((s) => s.name === spec.name)?.version).toBe('3');
  });
});
