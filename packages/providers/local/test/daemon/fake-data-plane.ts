/**
 * A test double of the data plane: functions are described by `behaviour.json` in their code
 * directory instead of running a handler, so the control plane is tested alone.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { DataPlane, GatewayHost, AsyncInvokeSink } from '../../src/daemon/data-plane.js';
import type {
  FunctionEngine,
  FunctionVersionSpec,
  HttpRoute,
  InvocationResult,
  LogRecord,
  PreparedVersion,
} from '../../src/engine/types.js';

export interface Behaviour {
  /** Reject prepare() with this message. */
  initError?: string;
  /** What invoke returns (echoes the event when absent). */
  response?: unknown;
  /** Fail every invocation with this message. */
  fail?: string;
  /** Milliseconds prepare() takes. */
  prepareMs?: number;
}

export interface FakeEngine extends FunctionEngine {
  readonly invocations: { name: string; version: string; event: unknown; requestId: string }[];
  readonly prepared: FunctionVersionSpec[];
  readonly discarded: FunctionVersionSpec[];
  active(name: string): FunctionVersionSpec | undefined;
}

export function createFakeEngine(): FakeEngine {
  const active = new Map<string, { spec: FunctionVersionSpec; behaviour: Behaviour }>();
  const listeners = new Set<(r: LogRecord) => void>();
  const invocations: FakeEngine['invocations'] = [];
  const prepared: FunctionVersionSpec[] = [];
  const discarded: FunctionVersionSpec[] = [];
  const behaviours = new WeakMap<PreparedVersion, Behaviour>();
  const emit = (r: LogRecord) => listeners.forEach((l) => l(r));
  return {
    invocations,
    prepared,
    discarded,
    active: (name) => active.get(name)?.spec,
    async prepare(spec) {
      const file = join(spec.codeDir, 'behaviour.json');
      if (!existsSync(file))
        throw Object.assign(new Error(`Cannot find module '${spec.handler}'`), {
          errorType: 'Runtime.ImportModuleError',
        });
      const behaviour = JSON.parse(readFileSync(file, 'utf8')) as Behaviour;
      if (behaviour.prepareMs) await new Promise((r) => setTimeout(r, behaviour.prepareMs));
      if (behaviour.initError) throw new Error(behaviour.initError);
      prepared.push(spec);
      const p: PreparedVersion = { spec };
      behaviours.set(p, behaviour);
      return p;
    },
    activate(p) {
      active.set(p.spec.name, { spec: p.spec, behaviour: behaviours.get(p)! });
    },
    async discard(p) {
      discarded.push(p.spec);
    },
    async invoke(name, event, options) {
      const fn = active.get(name);
      const requestId = options?.requestId ?? randomUUID();
      if (!fn) throw new Error(`no function ${name}`);
      invocations.push({ name, version: fn.spec.version, event, requestId });
      const base = { function: name, version: fn.spec.version, requestId };
      emit({ ...base, timestamp: Date.now(), message: `START RequestId: ${requestId} Version: ${fn.spec.version}` });
      emit({ ...base, timestamp: Date.now(), message: `handled ${JSON.stringify(event)}` });
      emit({ ...base, timestamp: Date.now(), message: `END RequestId: ${requestId}` });
      const result: InvocationResult = fn.behaviour.fail
        ? {
            requestId,
            payload: { errorType: 'Error', errorMessage: fn.behaviour.fail },
            functionError: 'Unhandled',
            durationMs: 1,
            billedDurationMs: 1,
            maxMemoryUsedMB: 10,
            logTail: `handled ${JSON.stringify(event)}\n`,
          }
        : {
            requestId,
            payload: fn.behaviour.response ?? { version: fn.spec.version, event },
            durationMs: 1,
            billedDurationMs: 1,
            maxMemoryUsedMB: 10,
            logTail: `handled ${JSON.stringify(event)}\n`,
          };
      return result;
    },
    has: (name) => active.has(name),
    async remove(name) {
      active.delete(name);
    },
    stats: () =>
      [...active.values()].map((f) => ({
        name: f.spec.name,
        version: f.spec.version,
        workers: 1,
        busy: 0,
        connections: 0,
      })),
    onLog(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      active.clear();
    },
  };
}

function matches(route: HttpRoute, method: string, path: string): boolean {
  if (route.method !== 'ANY' && route.method !== method) return false;
  const re = new RegExp(`^${route.path.replace(/\{[^}]+\+\}/g, '.+').replace(/\{[^}]+\}/g, '[^/]+')}$`);
  return re.test(path);
}

export function createFakeGateway(
  engine: FunctionEngine,
): GatewayHost & { routes(apiKey: string): readonly HttpRoute[] } {
  const servers = new Map<string, { server: Server; port: number }>();
  const tables = new Map<string, readonly HttpRoute[]>();
  return {
    routes: (k) => tables.get(k) ?? [],
    async listen(apiKey, port) {
      const existing = servers.get(apiKey);
      if (existing) return existing.port;
      const server = createServer((req, res) => {
        const path = (req.url ?? '/').split('?')[0]!;
        const route = (tables.get(apiKey) ?? []).find((r) => matches(r, req.method ?? 'GET', path));
        if (!route) {
          res.writeHead(404).end('{"message":"Not Found"}');
          return;
        }
        void engine.invoke(route.functionName, { path }).then((result) => {
          res.writeHead(result.functionError ? 502 : 200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(result.payload));
        });
      });
      const bound = await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
      });
      servers.set(apiKey, { server, port: bound });
      return bound;
    },
    setRoutes(apiKey, routes) {
      tables.set(apiKey, routes);
    },
    async close(apiKey) {
      const s = servers.get(apiKey);
      if (!s) return;
      servers.delete(apiKey);
      await new Promise<void>((r) => {
        s.server.close(() => r());
        s.server.closeAllConnections();
      });
    },
    async closeAll() {
      await Promise.all([...servers.keys()].map((k) => this.close(k)));
    },
  };
}

export function createFakeDataPlane(): DataPlane & {
  engine: FakeEngine;
  gateway: ReturnType<typeof createFakeGateway>;
} {
  const engine = createFakeEngine();
  const gateway = createFakeGateway(engine);
  return {
    engine,
    gateway,
    invokeApi(onAsyncInvoke: AsyncInvokeSink) {
      return (req, res) => {
        const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url ?? '');
        if (!m || req.method !== 'POST') {
          res.writeHead(404).end();
          return;
        }
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const payload = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as unknown) : {};
          const name = decodeURIComponent(m[1]!);
          if (req.headers['x-amz-invocation-type'] === 'Event') {
            const requestId = randomUUID();
            onAsyncInvoke(name, payload, requestId).then(
              () => res.writeHead(202, { 'x-amzn-requestid': requestId }).end(),
              (e: Error) => res.writeHead(404).end(JSON.stringify({ message: e.message })),
            );
            return;
          }
          void engine.invoke(name, payload).then((r) => res.writeHead(200).end(JSON.stringify(r.payload)));
        });
      };
    },
    async close() {
      await gateway.closeAll();
      await engine.close();
    },
  };
}
