import { NODE_BOOTSTRAP, PYTHON_BOOTSTRAP, runtimeKind, type RuntimeKind } from './runtime-paths.js';
import { FunctionInitError, FunctionNotFoundError } from './errors.js';
import type {
  FunctionEngine,
  FunctionStats,
  FunctionVersionSpec,
  InvocationResult,
  InvokeOptions,
  LogListenerOptions,
  LogRecord,
  PreparedVersion,
} from './types.js';
import { parseStoredLines } from './log-line.js';
import { GenericWorkerPool } from './warm-pool.js';
import { VersionPool } from './worker-pool.js';
import type { WorkerLaunch } from './worker-process.js';

export interface FunctionEngineOptions {
  /**
   * Idle workers beyond `provisionedConcurrency` are stopped after this long, unless the version's spec sets its
   * own `keepWarmMs`. Default 5 minutes.
   */
  readonly keepWarmMs?: number;
  /**
   * How often idle workers are checked. Default: a quarter of `keepWarmMs`, between 10 ms and 30 s (a function's own
   * shorter keep-warm is honoured at this granularity).
   */
  readonly reapIntervalMs?: number;
  /** Max workers per function when `reservedConcurrency` is unset. Default 10. */
  readonly defaultReservedConcurrency?: number;
  /**
   * How long a queued invocation waits for a busy worker before the pool starts another (up to
   * reservedConcurrency), one more per such delay. 0 scales out at once, as Lambda; the default 10 ms keeps short,
   * CPU-bound invocations on a few warm workers instead of many processes competing for a small machine's cores.
   */
  readonly scaleOutDelayMs?: number;
  /** Pre-started generic workers kept per runtime and heap size. Default 2; 0 disables the pool. */
  readonly genericPoolSize?: number;
  /** Heap size (memorySize) whose generic workers are kept warm before any function uses it. Default 1024. */
  readonly defaultMemorySize?: number;
  /** `AWS_REGION` functions see (and the region in ARNs). Default `us-east-1`. */
  readonly region?: string;
  /** Node.js binary for workers. Default: the daemon's own (`process.execPath`). */
  readonly nodePath?: string;
  /** Python binary for workers. Default `python3` from PATH. */
  readonly pythonPath?: string;
}

/** The daemon's variables a function may see; everything else stays in the daemon. */
const INHERITED_ENV = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'SYSTEMROOT', 'SystemRoot'];

export function minimalEnv(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED_ENV) {
    const v = source[key];
    if (v !== undefined) env[key] = v;
  }
  return env;
}

/** Node's heap limit for a function: 90% of memorySize, leaving room for code and buffers. */
export function heapLimitMB(memorySize: number): number {
  return Math.max(16, Math.floor(memorySize * 0.9));
}

export function createFunctionEngine(options: FunctionEngineOptions = {}): FunctionEngine {
  const keepWarmMs = options.keepWarmMs ?? 5 * 60_000;
  const reapIntervalMs = options.reapIntervalMs ?? Math.min(30_000, Math.max(10, Math.floor(keepWarmMs / 4)));
  const region = options.region ?? 'us-east-1';
  const baseEnv = minimalEnv();
  const nodePath = options.nodePath ?? process.execPath;
  const pythonPath = options.pythonPath ?? 'python3';
  const defaultMemorySize = options.defaultMemorySize ?? 1024;

  const launchFor = (kind: RuntimeKind, memorySize: number): WorkerLaunch =>
    kind === 'node'
      ? {
          kind,
          memorySize,
          command: nodePath,
          args: [`--max-old-space-size=${heapLimitMB(memorySize)}`, NODE_BOOTSTRAP],
          env: baseEnv,
        }
      : { kind, memorySize: 0, command: pythonPath, args: ['-u', PYTHON_BOOTSTRAP], env: baseEnv };

  const generic = new GenericWorkerPool(options.genericPoolSize ?? 2, launchFor);
  const listeners = new Set<{ readonly record: (record: LogRecord) => void } & LogListenerOptions>();
  const active = new Map<string, VersionPool>();
  const prepared = new WeakMap<PreparedVersion, VersionPool>();
  const draining = new Set<Promise<void>>();
  let closed = false;

  const ctx = {
    generic,
    region,
    baseEnv,
    defaultReservedConcurrency: options.defaultReservedConcurrency ?? 10,
    scaleOutDelayMs: options.scaleOutDelayMs ?? 10,
    hasLogListeners: () => listeners.size > 0,
    emit: (record: LogRecord) => {
      for (const l of listeners) {
        try {
          l.record(record);
        } catch {
          // A failing log sink must not fail invocations.
        }
      }
    },
    emitLines: (functionName: string, lines: Buffer) => {
      let records: LogRecord[] | undefined;
      for (const l of listeners) {
        try {
          if (l.lines) l.lines(functionName, lines);
          else for (const r of (records ??= parseStoredLines(lines))) l.record(r);
        } catch {
          // A failing log sink must not fail invocations.
        }
      }
    },
  };

  generic.retain('node', defaultMemorySize);

  const reaper = setInterval(() => {
    const now = Date.now();
    for (const pool of active.values()) pool.reap(now, keepWarmMs);
  }, reapIntervalMs);
  reaper.unref();

  /** Retired versions whose front workers have not yet stopped taking requests themselves. */
  const switching = new Set<Promise<void>>();
  const retire = (pool: VersionPool): void => {
    const p = pool.drain().finally(() => {
      draining.delete(p);
      generic.release(pool.kind, pool.spec.memorySize);
    });
    draining.add(p);
    const s = pool.switched.finally(() => switching.delete(s));
    switching.add(s);
  };

  return {
    async prepare(spec: FunctionVersionSpec): Promise<PreparedVersion> {
      if (closed) throw new Error('The function engine is closed');
      const kind = runtimeKind(spec.runtime);
      if (!kind) {
        throw new FunctionInitError(spec.name, {
          errorType: 'Runtime.InvalidRuntime',
          errorMessage: `The local runtime cannot run ${spec.runtime}: use a nodejs* or python* runtime`,
        });
      }
      const pool = new VersionPool(spec, kind, ctx);
      generic.retain(kind, spec.memorySize);
      try {
        await pool.start(Math.max(1, spec.provisionedConcurrency ?? 0));
      } catch (err) {
        generic.release(kind, spec.memorySize);
        throw err;
      }
      const version: PreparedVersion = { spec };
      prepared.set(version, pool);
      return version;
    },

    activate(version: PreparedVersion): void {
      const pool = prepared.get(version);
      if (!pool)
        throw new Error(`Version ${version.spec.version} of ${version.spec.name} is not prepared (or was discarded)`);
      prepared.delete(version);
      const old = active.get(version.spec.name);
      active.set(version.spec.name, pool);
      if (old && old !== pool) retire(old);
    },

    async discard(version: PreparedVersion): Promise<void> {
      const pool = prepared.get(version);
      if (!pool) return;
      prepared.delete(version);
      await pool.close();
      generic.release(pool.kind, pool.spec.memorySize);
    },

    invoke(name: string, event: unknown, invokeOptions?: InvokeOptions): Promise<InvocationResult> {
      const pool = active.get(name);
      if (!pool) return Promise.reject(new FunctionNotFoundError(name));
      return pool.invoke(event, invokeOptions);
    },

    invokeHttp(name, request, body, done): void {
      const pool = active.get(name);
      if (!pool) done({ requestId: request.id, functionError: 'Unhandled' });
      else pool.invokeHttp(request, body, done);
    },

    offload(name, connection, front): boolean {
      const pool = active.get(name);
      return pool ? pool.offload(connection, front) : false;
    },

    async switched(): Promise<void> {
      await Promise.all([...switching]);
    },

    has(name: string): boolean {
      return active.has(name);
    },

    async remove(name: string): Promise<void> {
      const pool = active.get(name);
      if (!pool) return;
      active.delete(name);
      retire(pool);
      await Promise.all([...draining]);
    },

    stats(): readonly FunctionStats[] {
      return [...active.values()].map((p) => p.stats());
    },

    onLog(listener: (record: LogRecord) => void, options: LogListenerOptions = {}): () => void {
      const entry = { record: listener, lines: options.lines };
      listeners.add(entry);
      return () => listeners.delete(entry);
    },

    async close(): Promise<void> {
      closed = true;
      clearInterval(reaper);
      const pools = [...active.values()];
      active.clear();
      await Promise.all(pools.map((p) => p.close()));
      await Promise.all([...draining]);
      await generic.close();
    },
  };
}
