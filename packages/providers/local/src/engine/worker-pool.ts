import { dirname } from 'node:path';
import { buildHttpEvent, mapHttpResult, type HttpRequest } from '../../runtime/node/http-adapter.mjs';
import { FunctionInitError } from './errors.js';
import { billedDuration, endLine, logStreamName, reportLine, startLine, timeoutMessage } from './lambda-format.js';
import { QUIET_FRAME_DURATIONS, type FrontMessage, type WireError } from './protocol.js';
import { NODE_BOOTSTRAP, type RuntimeKind } from './runtime-paths.js';
import { nextRequestId } from './request-id.js';
import type {
  FrontSpec,
  FunctionStats,
  FunctionVersionSpec,
  HttpInvocationResult,
  InvocationResult,
  InvokeOptions,
  LogRecord,
  OffloadedConnection,
} from './types.js';
import type { GenericWorkerPool } from './warm-pool.js';
import { WorkerFront } from './worker-front.js';
import { describeExit, type InvokeJob, type WorkerOutcome, type WorkerProcess } from './worker-process.js';

/** What a version pool needs from its engine. */
export interface PoolContext {
  readonly generic: GenericWorkerPool;
  readonly region: string;
  /** PATH, HOME and the like: the only daemon variables a function sees. */
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly defaultReservedConcurrency: number;
  /** A queued invocation waits this long for a busy worker before another worker is started. */
  readonly scaleOutDelayMs: number;
  readonly emit: (record: LogRecord) => void;
  /** Quiet invocations' stored log lines (log-line.ts), as a front worker wrote them. */
  readonly emitLines: (functionName: string, lines: Buffer) => void;
  /** False when nobody listens: records are then not even built. */
  readonly hasLogListeners: () => boolean;
}

/** One invocation on its way to a worker. */
interface Invocation {
  readonly requestId: string;
  readonly eventJson?: string;
  /** An HTTP request a Node worker maps itself (event and response); its log tail is never read. */
  readonly http?: { readonly request: HttpRequest; readonly body: Buffer | null };
  readonly clientContext?: string;
  /** A request a front worker read from a connection and runs itself: it answers it, only logs and stats are here. */
  readonly direct?: true;
  readonly resolve: (result: InvocationResult) => void;
}

interface Waiter {
  readonly since: number;
  readonly invocation: Invocation;
}

const TAIL_BYTES = 4096;
/**
 * Room a not yet formatted REPORT line is assumed to take in the tail: less than any REPORT line, so the tail
 * keeps at least the last 4 KB (the final cut is by bytes).
 */
const REPORT_LINE_MIN = 100;
/**
 * Queued invocations of handlers faster than this on average wait for a warm worker instead of starting
 * another: their queueing comes from CPU contention, which more processes make worse, not better.
 */
const SCALE_OUT_MIN_HANDLER_MS = 1;
/**
 * Invocations of such fast handlers may also be queued on a busy worker, at most this many per worker (the
 * running one included): the worker still runs one at a time, but takes the next from its input without a
 * round trip through the engine, which on a small machine is most of the cost of a short invocation. Deeper than
 * a typical client's connection count (10), so that one warm worker takes a whole burst without any request
 * waiting a round trip in the engine (measured: 8 left two of ten connections a round trip behind).
 */
const PIPELINE_DEPTH = 16;
/** ...and only behind an invocation that has not run longer than this (a slow one would hold them up). */
const PIPELINE_MAX_RUNNING_MS = 2;
/**
 * New connections go to a front worker only while the handler's typical run time is under this: a front runs one
 * request at a time and forwards the ones arriving meanwhile (a second hop), which suits fast handlers. The
 * gateway, which scales out across workers, takes the connections of slower ones.
 */
const SLOW_FRONT_MS = 5;
/**
 * "Typical" is the median of this many latest run times, not the moving average: a connection stays where it is
 * placed for its whole life, and one outlier (a GC pause, the worker descheduled on a busy machine) would
 * otherwise send every connection opened soon after to the slower path.
 */
const RECENT_RUNS = QUIET_FRAME_DURATIONS;
/**
 * Until this many requests have run, a handler is taken to be fast: one or two run times say little (a worker's
 * first run is slower, more so on a busy machine), and a wrong guess costs a hop, not concurrency (a front
 * forwards what arrives while it runs).
 */
const MIN_RUNS_TO_JUDGE = 3;

/** The workers of one function version: one in-flight invocation per worker, scaling out to `max`. */
export class VersionPool {
  readonly kind: RuntimeKind;
  readonly max: number;
  readonly provisioned: number;
  private readonly env: Record<string, string>;
  private readonly workers = new Set<WorkerProcess>();
  /** Idle workers, oldest first (taken from the end: the warmest). */
  private readonly idle: WorkerProcess[] = [];
  private readonly waiters: Waiter[] = [];
  private starting = 0;
  private busyCount = 0;
  private state: 'active' | 'draining' | 'closed' = 'active';
  private drainedResolve?: () => void;
  private scaleOutTimer?: NodeJS.Timeout;
  private lastScaleOut = -Infinity;
  /** Moving average of handler run time (worker-measured): scale-out helps only when handlers take a while. */
  private handlerMsAverage = SCALE_OUT_MIN_HANDLER_MS;
  /** The latest handler run times (ring buffer), for `typicalHandlerMs()`. */
  private readonly recentRuns = new Float64Array(RECENT_RUNS);
  private recentRunCount = 0;
  /** The worker serving client connections itself, if any: it takes no other invocation. */
  private front?: WorkerFront;

  constructor(
    readonly spec: FunctionVersionSpec,
    kind: RuntimeKind,
    private readonly ctx: PoolContext,
  ) {
    this.kind = kind;
    this.max = Math.max(1, spec.reservedConcurrency ?? ctx.defaultReservedConcurrency);
    this.provisioned = Math.min(this.max, Math.max(0, spec.provisionedConcurrency ?? 0));
    const region = spec.environment.AWS_REGION ?? ctx.region;
    this.env = {
      ...ctx.baseEnv,
      ...spec.environment,
      AWS_LAMBDA_FUNCTION_NAME: spec.name,
      AWS_LAMBDA_FUNCTION_VERSION: spec.version,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.name}`,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: spec.environment.AWS_DEFAULT_REGION ?? region,
      AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
      LAMBDA_TASK_ROOT: spec.codeDir,
      LAMBDA_RUNTIME_DIR: dirname(NODE_BOOTSTRAP),
      _HANDLER: spec.handler,
    };
  }

  get workerCount(): number {
    return this.workers.size;
  }

  stats(): FunctionStats {
    let busy = 0;
    for (const w of this.workers) if (w.depth > 0) busy++;
    return {
      name: this.spec.name,
      version: this.spec.version,
      workers: this.workers.size,
      busy,
      connections: this.front?.connections ?? 0,
    };
  }

  /** Starts `count` workers; rejects with the first init error (the pool is then closed). */
  async start(count: number): Promise<void> {
    const n = Math.min(this.max, Math.max(1, count));
    const results = await Promise.allSettled(Array.from({ length: n }, () => this.spawnWorker()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    for (const r of results) if (r.status === 'fulfilled') this.addIdle(r.value);
    if (failed) {
      await this.close();
      const reason = failed.reason as WireError;
      throw new FunctionInitError(this.spec.name, reason);
    }
  }

  invoke(event: unknown, options?: InvokeOptions): Promise<InvocationResult> {
    const requestId = options?.requestId ?? nextRequestId();
    let eventJson: string;
    try {
      eventJson = JSON.stringify(event === undefined ? null : event) ?? 'null';
    } catch (err) {
      return Promise.resolve(
        this.failure(requestId, {
          errorType: 'InvalidRequestContentException',
          errorMessage: `Could not serialise the event: ${(err as Error).message}`,
        }),
      );
    }
    return new Promise<InvocationResult>((resolve) =>
      this.dispatch({ requestId, eventJson, clientContext: options?.clientContext, resolve }),
    );
  }

  /**
   * An HTTP request: a Node worker builds the event and maps the result itself (the engine forwards the raw
   * request and gets the response); for other runtimes the engine does, with the same adapter.
   */
  invokeHttp(request: HttpRequest, body: Buffer | null, done: (result: HttpInvocationResult) => void): void {
    const requestId = request.id;
    if (this.kind === 'node') {
      this.dispatch({
        requestId,
        http: { request, body },
        resolve: (r) =>
          done(
            r.functionError
              ? { requestId, functionError: r.functionError }
              : { requestId, response: (r.payload as HttpInvocationResult['response'] | null) ?? undefined },
          ),
      });
      return;
    }
    let eventJson: string;
    try {
      eventJson = JSON.stringify(buildHttpEvent(request, body));
    } catch {
      done({ requestId, functionError: 'Unhandled' });
      return;
    }
    this.dispatch({
      requestId,
      eventJson,
      resolve: (r) => {
        if (r.functionError) done({ requestId, functionError: r.functionError });
        else {
          let response: HttpInvocationResult['response'];
          try {
            response = mapHttpResult(request.v, r.payload);
          } catch {
            response = undefined;
          }
          done({ requestId, response });
        }
      },
    });
  }

  private dispatch(invocation: Invocation): void {
    const worker = this.pickWorker();
    if (worker) this.run(worker, invocation);
    else this.waitForWorker(invocation);
  }

  /** An idle worker, else (fast handlers only) a busy one with room in its pipeline. */
  private pickWorker(): WorkerProcess | undefined {
    let worker: WorkerProcess | undefined;
    while ((worker = this.idle.pop()) !== undefined) {
      if (worker.isAlive) return worker;
    }
    if (this.state !== 'active' || this.handlerMsAverage >= SCALE_OUT_MIN_HANDLER_MS) return undefined;
    const now = performance.now();
    for (const w of this.workers) {
      if (w.depth === 0 || w.depth >= PIPELINE_DEPTH || !w.isAlive || w.front) continue;
      if (now - w.headStartedAt > PIPELINE_MAX_RUNNING_MS) continue;
      if (!worker || w.depth < worker.depth) worker = w;
    }
    return worker;
  }

  /** Stop taking traffic; resolves when in-flight and queued invocations are done and the workers stopped. */
  drain(): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    this.state = 'draining';
    const done = new Promise<void>((resolve) => (this.drainedResolve = resolve));
    this.switched = this.front?.retire() ?? Promise.resolve();
    this.checkDrained();
    return done;
  }

  /**
   * After `drain()`: resolves once none of this version's workers takes a new request itself (a front worker
   * forwards them to the gateway, hence to the new version, from then on).
   */
  switched: Promise<void> = Promise.resolve();

  async close(): Promise<void> {
    this.state = 'closed';
    if (this.scaleOutTimer) clearTimeout(this.scaleOutTimer);
    const error = { errorType: 'Runtime.ExitError', errorMessage: 'Function version was removed' };
    for (const w of this.waiters.splice(0)) w.invocation.resolve(this.failure(w.invocation.requestId, error));
    const all = [...this.workers];
    this.workers.clear();
    this.idle.length = 0;
    await Promise.all(all.map((w) => w.stop()));
    this.drainedResolve?.();
  }

  /** Stops workers idle longer than `keepWarmMs` (keeping `provisionedConcurrency`), and tops up provisioned ones. */
  reap(now: number, defaultKeepWarmMs: number): void {
    if (this.state !== 'active') return;
    const keepWarmMs = this.spec.keepWarmMs ?? defaultKeepWarmMs;
    const f = this.front;
    if (
      f &&
      !f.isRetiring &&
      f.worker.depth === 0 &&
      this.workers.size > this.provisioned &&
      now - f.worker.idleSince >= keepWarmMs
    )
      void f.retire();
    while (this.idle.length > 0 && this.workers.size > this.provisioned && now - this.idle[0].idleSince >= keepWarmMs) {
      const w = this.idle.shift()!;
      this.workers.delete(w);
      void w.stop();
    }
    while (this.workers.size + this.starting < this.provisioned) this.launchWorker();
  }

  private run(worker: WorkerProcess, invocation: Invocation): void {
    worker.submit(this.job(worker, invocation));
  }

  /**
   * Hands a client connection to this version's front worker (see `FunctionEngine.offload`). Without one, a
   * warm idle worker becomes the front: connections wait (unread) until it has taken the api's routes. With no
   * idle worker either, a fresh connection gets one started (a cold start, as its first request would have on
   * the gateway): a keep-alive connection stays where it is placed, and one opened while the function was
   * scaled to zero would otherwise take the gateway's longer path for as long as it lives.
   */
  offload(connection: OffloadedConnection, frontSpec: FrontSpec): boolean {
    if (this.kind !== 'node' || this.state !== 'active') return false;
    // A slow handler is better served by the gateway, which scales out across workers.
    if (this.typicalHandlerMs() > SLOW_FRONT_MS) return false;
    const current = this.front;
    if (current && !current.isRetiring) return current.accept(connection, frontSpec);
    const starting = this.startingFront;
    if (starting) {
      starting.connections.push(connection);
      starting.spec = frontSpec;
      return true;
    }
    let worker: WorkerProcess | undefined;
    while ((worker = this.idle.pop()) !== undefined) if (worker.isAlive) break;
    if (worker) return this.makeFront(worker, frontSpec).accept(connection, frontSpec);
    if (!connection.fresh || this.workers.size + this.starting >= this.max) return false;
    this.startFront(connection, frontSpec);
    return true;
  }

  /** A worker being started to become the front, and the connections waiting for it. */
  private startingFront?: { connections: OffloadedConnection[]; spec: FrontSpec };

  private startFront(connection: OffloadedConnection, frontSpec: FrontSpec): void {
    const pending = { connections: [connection], spec: frontSpec };
    this.startingFront = pending;
    this.starting++;
    this.spawnWorker().then(
      (worker) => {
        this.starting--;
        this.startingFront = undefined;
        if (this.state !== 'active') {
          // Replaced or removed meanwhile: the connections go where a new connection would go now.
          for (const c of pending.connections) c.reclaim();
          if (this.state === 'closed') void worker.stop();
          else this.addIdle(worker);
          this.checkDrained();
          return;
        }
        const front = this.makeFront(worker, pending.spec);
        for (const c of pending.connections) if (!front.accept(c, pending.spec)) c.reclaim();
      },
      () => {
        this.starting--;
        this.startingFront = undefined;
        // The function cannot start: the gateway answers its requests as it answers any (502).
        for (const c of pending.connections) c.reclaim();
        this.checkDrained();
      },
    );
  }

  private makeFront(w: WorkerProcess, frontSpec: FrontSpec): WorkerFront {
    w.idleSince = Date.now();
    const front: WorkerFront = new WorkerFront(w, frontSpec, this.spec.timeoutMs, this.spec.name, {
      directJob: (requestId) => this.job(w, { requestId, direct: true, resolve: noop }),
      quietResult: (result) => this.recordQuiet(w, result),
      quietLines: (message) => this.recordQuietLines(w, message),
      onRetired: () => {
        if (w.front === front) w.front = undefined;
        if (this.front === front) this.front = undefined;
        // The pool drains, or the worker sat idle past its keep-warm: it stops (were it idle again, the
        // connections it gave back would come straight back to it).
        this.workers.delete(w);
        void w.stop();
        this.checkDrained();
      },
    });
    this.front = front;
    return front;
  }

  private noteHandlerMs(ms: number): void {
    this.handlerMsAverage = this.handlerMsAverage * 0.8 + ms * 0.2;
    this.noteRun(ms);
  }

  private noteRun(ms: number): void {
    this.recentRuns[this.recentRunCount++ % RECENT_RUNS] = ms;
  }

  /** The median of the latest run times (too few yet: fast). */
  private typicalHandlerMs(): number {
    const n = Math.min(this.recentRunCount, RECENT_RUNS);
    if (n < MIN_RUNS_TO_JUDGE) return 0;
    const sorted = this.recentRuns.slice(0, n).sort();
    return sorted[n >> 1];
  }

  /** A front worker's quiet requests with their log lines (runtime/node/bootstrap.mjs): stats, then the lines. */
  private recordQuietLines(worker: WorkerProcess, message: Extract<FrontMessage, { t: 'quiet' }>): void {
    for (const d of message.d) this.noteHandlerMs(d);
    this.noteQuietRun(worker, message.m);
    if (message.body && message.body.length > 0) this.ctx.emitLines(this.spec.name, message.body);
  }

  /** A front worker reported quiet requests: it is warm (not fresh any more) and idle as of now. */
  private noteQuietRun(worker: WorkerProcess, maxMemoryMB: number): void {
    worker.fresh = false;
    worker.lastMaxMemoryMB = maxMemoryMB;
    worker.idleSince = Date.now();
  }

  /** A front worker's successful request that wrote no output: its START, END and REPORT lines, its stats. */
  private recordQuiet(worker: WorkerProcess, r: { id: string; m: number; d?: number; s?: number }): void {
    const spec = this.spec;
    const durationMs = r.d ?? 0;
    this.noteHandlerMs(durationMs);
    const initDurationMs = worker.fresh ? worker.initDurationMs : undefined;
    this.noteQuietRun(worker, r.m);
    if (!this.ctx.hasLogListeners()) return;
    // One record for its three lines (see LogRecord.invocation): stored in one line, expanded when read.
    this.ctx.emit({
      // When it started (as the front's batch lines say for the later ones), not when its result arrived.
      timestamp: r.s ?? worker.idleSince,
      function: spec.name,
      version: spec.version,
      requestId: r.id,
      message: startLine(r.id, spec.version),
      invocation: {
        durationMs,
        billedDurationMs: billedDuration(durationMs),
        memorySize: spec.memorySize,
        maxMemoryUsedMB: r.m,
        ...(initDurationMs !== undefined ? { initDurationMs } : {}),
      },
    });
  }

  private job(worker: WorkerProcess, invocation: Invocation): InvokeJob {
    const spec = this.spec;
    const { requestId } = invocation;
    const tail = new LogTail();
    const emit = this.ctx.hasLogListeners() ? this.ctx.emit : null;
    // Nobody reads an HTTP invocation's tail: with nobody listening either, its lines go nowhere.
    const keepTail = invocation.http === undefined && invocation.direct === undefined;
    const log = (message: string | (() => string), raw: boolean): void => {
      if (!emit && !keepTail) return;
      const ts = Date.now();
      if (emit) {
        const text = typeof message === 'string' ? message : message();
        if (keepTail) tail.push(raw ? text : `${new Date(ts).toISOString()}\t${requestId}\t${text}`);
        emit({ timestamp: ts, function: spec.name, version: spec.version, requestId, message: text });
      } else if (typeof message === 'function') tail.pushLazy(message, REPORT_LINE_MIN);
      else if (raw) tail.push(message);
      // Nobody listens: the tail line is formatted only if the tail is read (an ISO time is 24 characters).
      else
        tail.pushLazy(
          () => `${new Date(ts).toISOString()}\t${requestId}\t${message}`,
          26 + requestId.length + message.length,
        );
    };
    let started = 0;
    let initDurationMs: number | undefined;
    this.busyCount++;
    return {
      requestId,
      eventJson: invocation.eventJson,
      http: invocation.http,
      timeoutMs: spec.timeoutMs,
      clientContext: invocation.clientContext,
      onStart: () => {
        started = performance.now();
        initDurationMs = worker.fresh ? worker.initDurationMs : undefined;
        worker.fresh = false;
        if (emit || keepTail) log(startLine(requestId, spec.version), true);
      },
      onLine: (_stream, line) => log(line, false),
      onDone: (outcome) => {
        this.busyCount--;
        if (outcome.kind === 'not-started') {
          // Queued behind an invocation that took its worker down: it never ran, so it runs elsewhere.
          if (!worker.isAlive) this.removeWorker(worker);
          if (this.state === 'closed' || invocation.direct)
            invocation.resolve(
              this.failure(requestId, { errorType: 'Runtime.ExitError', errorMessage: 'Function version was removed' }),
            );
          else this.dispatch(invocation);
          this.checkDrained();
          return;
        }
        // A request a front worker ran is recorded when it reports it: its duration is the worker's measure.
        const durationMs = !invocation.direct
          ? performance.now() - started
          : outcome.kind === 'timeout'
            ? spec.timeoutMs
            : outcome.kind === 'ok' || outcome.kind === 'error'
              ? (outcome.handlerMs ?? 0)
              : 0;
        invocation.resolve(this.finish(worker, requestId, outcome, durationMs, initDurationMs, log, tail));
      },
    };
  }

  private finish(
    worker: WorkerProcess,
    requestId: string,
    outcome: Exclude<WorkerOutcome, { kind: 'not-started' }>,
    durationMs: number,
    initDurationMs: number | undefined,
    log: (message: string | (() => string), raw: boolean) => void,
    tail: LogTail,
  ): InvocationResult {
    const spec = this.spec;
    let payload: unknown;
    let functionError: InvocationResult['functionError'];
    let maxMemoryUsedMB = 0;
    let status: 'timeout' | 'error' | undefined;
    switch (outcome.kind) {
      case 'ok':
        if (outcome.handlerMs !== undefined) this.noteHandlerMs(outcome.handlerMs);
        payload = outcome.payload;
        maxMemoryUsedMB = outcome.maxMemoryUsedMB;
        break;
      case 'error':
        if (outcome.handlerMs !== undefined) this.noteHandlerMs(outcome.handlerMs);
        payload = outcome.error;
        functionError = 'Unhandled';
        maxMemoryUsedMB = outcome.maxMemoryUsedMB;
        break;
      case 'timeout':
        this.handlerMsAverage = Math.max(this.handlerMsAverage, spec.timeoutMs);
        this.noteRun(spec.timeoutMs);
        log(timeoutMessage(spec.timeoutMs), false);
        payload = {
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${requestId} Error: ${timeoutMessage(spec.timeoutMs)}`,
        };
        functionError = 'TimedOut';
        maxMemoryUsedMB = worker.lastMaxMemoryMB;
        status = 'timeout';
        break;
      case 'exit':
        payload = exitError(requestId, outcome);
        functionError = 'Unhandled';
        maxMemoryUsedMB = outcome.oom ? spec.memorySize : worker.lastMaxMemoryMB;
        status = 'error';
        break;
    }
    worker.lastMaxMemoryMB = maxMemoryUsedMB;
    const billedDurationMs = billedDuration(durationMs);
    log(endLine(requestId), true);
    log(
      () =>
        reportLine({
          requestId,
          durationMs,
          billedDurationMs,
          memorySize: spec.memorySize,
          maxMemoryUsedMB,
          initDurationMs,
          status,
        }),
      true,
    );

    if (outcome.kind === 'ok' || (outcome.kind === 'error' && !outcome.fatal)) {
      if (worker.depth === 0) this.release(worker);
      else this.feed(worker);
    } else {
      worker.kill();
      this.removeWorker(worker);
    }
    this.checkDrained();
    return new PoolInvocationResult(
      requestId,
      payload,
      functionError,
      durationMs,
      billedDurationMs,
      maxMemoryUsedMB,
      initDurationMs,
      tail,
    );
  }

  private readonly lineSinkOutsideInvocations = (_stream: 'stdout' | 'stderr', line: string): void => {
    if (this.ctx.hasLogListeners()) {
      this.ctx.emit({ timestamp: Date.now(), function: this.spec.name, version: this.spec.version, message: line });
    }
  };

  private failure(requestId: string, error: WireError): InvocationResult {
    const spec = this.spec;
    const message = `${new Date().toISOString()}\t${requestId}\t${JSON.stringify(error)}`;
    const emit = this.ctx.hasLogListeners() ? this.ctx.emit : null;
    emit?.({
      timestamp: Date.now(),
      function: spec.name,
      version: spec.version,
      requestId,
      message: JSON.stringify(error),
    });
    return {
      requestId,
      payload: error,
      functionError: 'Unhandled',
      durationMs: 0,
      billedDurationMs: 0,
      maxMemoryUsedMB: 0,
      logTail: message.slice(-TAIL_BYTES),
    };
  }

  private waitForWorker(invocation: Invocation): void {
    if (this.state === 'closed') {
      invocation.resolve(
        this.failure(invocation.requestId, {
          errorType: 'Runtime.ExitError',
          errorMessage: 'Function version was removed',
        }),
      );
      return;
    }
    this.waiters.push({ invocation, since: performance.now() });
    // No worker at all (cold start): start one now. Otherwise a queued invocation first waits a moment for
    // a busy worker: on a small machine a few warm workers serve short invocations faster than many
    // processes competing for the cores. Long invocations still scale out after the delay.
    if (this.workers.size - (this.front ? 1 : 0) + this.starting === 0 || this.ctx.scaleOutDelayMs <= 0)
      this.scaleOut();
    else this.scheduleScaleCheck();
  }

  private scheduleScaleCheck(): void {
    if (this.scaleOutTimer || this.waiters.length === 0 || this.state === 'closed') return;
    if (this.workers.size + this.starting >= this.max) return;
    const delay = this.ctx.scaleOutDelayMs;
    const due = Math.max(this.waiters[0].since + delay, this.lastScaleOut + delay) - performance.now();
    this.scaleOutTimer = setTimeout(
      () => {
        this.scaleOutTimer = undefined;
        if (this.state === 'closed') return;
        const now = performance.now();
        let stale = 0;
        for (const w of this.waiters) {
          if (now - w.since < this.ctx.scaleOutDelayMs) break;
          stale++;
        }
        // One more worker per delay period while invocations keep waiting: a burst of short invocations
        // does not start a process per queued request.
        const worthIt = this.handlerMsAverage >= SCALE_OUT_MIN_HANDLER_MS;
        if (worthIt && stale > this.starting && this.workers.size + this.starting < this.max) {
          this.lastScaleOut = now;
          this.launchWorker();
        }
        this.scheduleScaleCheck();
      },
      Math.max(0, Math.ceil(due)),
    );
  }

  private scaleOut(): void {
    while (this.starting < this.waiters.length && this.workers.size + this.starting < this.max) this.launchWorker();
  }

  private launchWorker(): void {
    this.starting++;
    this.spawnWorker().then(
      (worker) => {
        this.starting--;
        if (this.state === 'closed') {
          void worker.stop();
          return;
        }
        this.addIdle(worker);
        this.checkDrained();
      },
      (error: WireError) => {
        this.starting--;
        if (this.workers.size === 0 && this.starting === 0) {
          for (const w of this.waiters.splice(0)) w.invocation.resolve(this.failure(w.invocation.requestId, error));
        }
        this.checkDrained();
      },
    );
  }

  /** A generic worker bound to this version (environment, directory, handler loaded). */
  private async spawnWorker(): Promise<WorkerProcess> {
    const t0 = performance.now();
    const worker = this.ctx.generic.take(this.kind, this.spec.memorySize);
    const stream = logStreamName(this.spec.version, worker.id);
    worker.lineSink = this.lineSinkOutsideInvocations;
    try {
      await worker.load({
        codeDir: this.spec.codeDir,
        handler: this.spec.handler,
        env: { ...this.env, AWS_LAMBDA_LOG_STREAM_NAME: stream },
        functionName: this.spec.name,
        functionVersion: this.spec.version,
        memorySize: this.spec.memorySize,
        region: this.env.AWS_REGION,
        logGroupName: this.env.AWS_LAMBDA_LOG_GROUP_NAME,
        logStreamName: stream,
      });
    } catch (err) {
      worker.kill();
      throw err;
    }
    worker.initDurationMs = performance.now() - t0;
    worker.onExit = (w) => {
      this.removeWorker(w);
      if (this.state === 'active') this.scaleOut();
      this.checkDrained();
    };
    if (!worker.isAlive) throw { errorType: 'Runtime.ExitError', errorMessage: 'Worker exited during init' };
    this.workers.add(worker);
    return worker;
  }

  private addIdle(worker: WorkerProcess): void {
    this.workers.add(worker);
    this.release(worker);
  }

  /** A worker still busy with queued invocations takes waiting ones into its pipeline (fast handlers only). */
  private feed(worker: WorkerProcess): void {
    if (this.state !== 'active' || this.handlerMsAverage >= SCALE_OUT_MIN_HANDLER_MS || worker.front) return;
    while (this.waiters.length > 0 && worker.depth < PIPELINE_DEPTH) this.run(worker, this.waiters.shift()!.invocation);
  }

  private release(worker: WorkerProcess): void {
    if (worker.front) {
      worker.idleSince = Date.now();
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      this.run(worker, waiter.invocation);
      return;
    }
    worker.idleSince = Date.now();
    this.idle.push(worker);
  }

  private removeWorker(worker: WorkerProcess): void {
    this.workers.delete(worker);
    if (this.front?.worker === worker) this.front = undefined;
    const i = this.idle.indexOf(worker);
    if (i >= 0) this.idle.splice(i, 1);
    // Queued invocations need a worker: replace the lost one (also while draining).
    if (this.state !== 'closed' && this.waiters.length > 0) this.scaleOut();
  }

  private checkDrained(): void {
    if (this.state !== 'draining') return;
    if (this.busyCount > 0 || this.waiters.length > 0 || this.starting > 0 || this.front) return;
    void this.close();
  }
}

const noop = (): void => undefined;

function exitError(requestId: string, outcome: Extract<WorkerOutcome, { kind: 'exit' }>): WireError {
  return {
    errorType: outcome.oom ? 'Runtime.OutOfMemory' : 'Runtime.ExitError',
    errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${describeExit(outcome.code, outcome.signal)}`,
  };
}

/** An invocation's result; its log tail is built when read (Invoke API `Tail`, `invoke --log`), never by the gateway. */
class PoolInvocationResult implements InvocationResult {
  constructor(
    readonly requestId: string,
    readonly payload: unknown,
    readonly functionError: InvocationResult['functionError'],
    readonly durationMs: number,
    readonly billedDurationMs: number,
    readonly maxMemoryUsedMB: number,
    readonly initDurationMs: number | undefined,
    private readonly tail: LogTail,
  ) {}

  get logTail(): string {
    return this.tail.text();
  }

  toJSON(): InvocationResult {
    const { requestId, payload, functionError, durationMs, billedDurationMs, maxMemoryUsedMB, initDurationMs } = this;
    return {
      requestId,
      payload,
      ...(functionError ? { functionError } : {}),
      durationMs,
      billedDurationMs,
      maxMemoryUsedMB,
      ...(initDurationMs !== undefined ? { initDurationMs } : {}),
      logTail: this.logTail,
    };
  }
}

/** The last 4 KB of an invocation's log, for `X-Amz-Log-Type: Tail`. */
class LogTail {
  /** Lines, or functions that format them (when nobody listens to logs, formatting waits for `text()`). */
  private lines: (string | (() => string))[] = [];
  private sizes: number[] = [];
  private size = 0;

  push(line: string): void {
    this.add(line.length > TAIL_BYTES ? line.slice(-TAIL_BYTES) : line, Math.min(line.length, TAIL_BYTES));
  }

  /** `length`: the formatted line's length, or less (never more). */
  pushLazy(line: () => string, length: number): void {
    this.add(line, Math.min(length, TAIL_BYTES));
  }

  private add(line: string | (() => string), length: number): void {
    this.lines.push(line);
    this.sizes.push(length + 1);
    this.size += length + 1;
    while (this.size - this.sizes[0] >= TAIL_BYTES) {
      this.size -= this.sizes.shift()!;
      this.lines.shift();
    }
  }

  text(): string {
    const s = this.lines.map((l) => (typeof l === 'string' ? l : l().slice(-TAIL_BYTES))).join('\n') + '\n';
    const buf = Buffer.from(s, 'utf8');
    return buf.length <= TAIL_BYTES ? s : buf.subarray(buf.length - TAIL_BYTES).toString('utf8');
  }
}
