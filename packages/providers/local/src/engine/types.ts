/**
 * The seam between the local runtime's data plane (engine/: worker pools, bootstraps, HTTP
 * gateway, Lambda Invoke API) and its control plane (daemon/: process, state, deploys,
 * schedules, async queue, log storage). The daemon drives an engine through these types.
 */
import type { CorsSettings } from '@skyrun/core';
import type { HttpRequest, HttpResponse } from '../../runtime/node/http-adapter.mjs';
import type { Socket } from 'node:net';

export type { HttpRequest, HttpResponse };

/** One deployable version of one function, code already extracted on disk. */
export interface FunctionVersionSpec {
  readonly service: string;
  readonly stage: string;
  /** Key under `functions:`. */
  readonly key: string;
  /** Deployed name (`<service>-<stage>-<key>` or `name:`): the Invoke API name. */
  readonly name: string;
  /** Monotonic per function: "1", "2", ... */
  readonly version: string;
  /** Absolute directory holding the extracted artifact. */
  readonly codeDir: string;
  /** `path/file.export` (Node) or `path/module.function` (Python). */
  readonly handler: string;
  /** `nodejs20.x`, `python3.11`, ... */
  readonly runtime: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly memorySize: number;
  /** Max concurrent workers. */
  readonly reservedConcurrency?: number;
  /** Workers kept warm at all times. */
  readonly provisionedConcurrency?: number;
  /** Idle workers (beyond provisionedConcurrency) stop after this long; default: the engine's `keepWarmMs`. */
  readonly keepWarmMs?: number;
  /** sha256 of the artifact: equal means unchanged. */
  readonly sha256: string;
}

export interface InvocationError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stackTrace?: readonly string[];
}

export interface InvocationResult {
  readonly requestId: string;
  /** The handler's result, or an InvocationError when `functionError` is set. */
  readonly payload: unknown;
  /** `Unhandled` (threw/crashed/oom/exit) or `TimedOut`; absent on success. */
  readonly functionError?: 'Unhandled' | 'TimedOut';
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly maxMemoryUsedMB: number;
  /** Set on a cold start. */
  readonly initDurationMs?: number;
  /** The last 4 KB of this invocation's log lines (for `X-Amz-Log-Type: Tail`). */
  readonly logTail: string;
}

export interface InvokeOptions {
  readonly requestId?: string;
  /** Base64 client context, passed to the handler's `context.clientContext`. */
  readonly clientContext?: string;
}

/** The outcome of an HTTP request run by a function (see `FunctionEngine.invokeHttp`). */
export interface HttpInvocationResult {
  readonly requestId: string;
  /** `Unhandled` (threw/crashed/oom/exit, or no such function) or `TimedOut`; absent on success. */
  readonly functionError?: 'Unhandled' | 'TimedOut';
  /** The response; absent with `functionError` or when the handler's result is not a valid proxy response. */
  readonly response?: HttpResponse;
}

/** One line a function (or the runtime: START/END/REPORT) wrote. */
export interface LogRecord {
  /** Epoch ms. */
  readonly timestamp: number;
  /** Deployed function name. */
  readonly function: string;
  readonly version: string;
  readonly requestId?: string;
  /** The line; for a record with `invocation`, its START line. */
  readonly message: string;
  /**
   * Set on the one record that stands for an invocation's START, END and REPORT lines, when nothing else was
   * written between them (a quiet invocation: most HTTP requests). `expandLogRecord` gives the three lines.
   */
  readonly invocation?: InvocationReport;
}

/** What an invocation's REPORT line says. */
export interface InvocationReport {
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly memorySize: number;
  readonly maxMemoryUsedMB: number;
  readonly initDurationMs?: number;
}

/** A version whose workers are started and initialised but which serves no traffic yet. */
export interface PreparedVersion {
  readonly spec: FunctionVersionSpec;
}

export interface FunctionStats {
  readonly name: string;
  readonly version: string;
  readonly workers: number;
  readonly busy: number;
  /** Client connections its workers serve themselves (see `offload`). */
  readonly connections: number;
}

/** Runs functions. Everything here is in-memory; the daemon persists what must survive. */
export interface FunctionEngine {
  /**
   * Start and initialise at least one worker for the version (handler loaded, init code run).
   * Rejects with the init error (missing file, syntax error, missing export, init throws);
   * the currently active version is untouched.
   */
  prepare(spec: FunctionVersionSpec): Promise<PreparedVersion>;
  /** Move traffic to a prepared version atomically; the old version's in-flight invocations finish, then its workers stop. */
  activate(prepared: PreparedVersion): void;
  /** Discard a prepared version that will not be activated. */
  discard(prepared: PreparedVersion): Promise<void>;
  /** Invoke the active version of a deployed function (by deployed name). Never rejects for handler failures. */
  invoke(name: string, event: unknown, options?: InvokeOptions): Promise<InvocationResult>;
  /**
   * Runs a function for an HTTP request: the API Gateway event is built from `request` and `body`, and the
   * handler's result mapped to the response, next to the handler where the worker can (Node), else in the
   * engine. Calls `done` once, never with an exception. Optional: the gateway builds the event itself and
   * uses `invoke` when an engine lacks it.
   */
  invokeHttp?(
    name: string,
    request: HttpRequest,
    body: Buffer | null,
    done: (result: HttpInvocationResult) => void,
  ): void;
  /**
   * Hands a client connection of an api to a worker of the function that then reads its requests and runs its
   * own function's ones itself (Node workers; see `runtime/node/front.mjs`). False: the engine has no such
   * worker ready (none warm, a slow handler, another runtime); the api server serves the connection itself.
   */
  offload?(name: string, connection: OffloadedConnection, front: FrontSpec): boolean;
  /**
   * Resolves once no worker of a replaced or removed version takes new requests itself: `activate` moves the
   * traffic the engine dispatches at once, while a worker serving connections itself (`offload`) learns it by a
   * message. A deploy waits for this before it reports the new version live.
   */
  switched?(): Promise<void>;
  has(name: string): boolean;
  remove(name: string): Promise<void>;
  stats(): readonly FunctionStats[];
  /**
   * Every log record. With `lines`, quiet invocations a front worker ran come as the log store's lines instead
   * (log-line.ts: one JSON line per batch of invocations), which a store appends without parsing them.
   */
  onLog(listener: (record: LogRecord) => void, options?: LogListenerOptions): () => void;
  close(): Promise<void>;
}

export interface LogListenerOptions {
  readonly lines?: (functionName: string, lines: Buffer) => void;
}

/** One HTTP route of one service/stage. */
export interface HttpRoute {
  readonly service: string;
  readonly stage: string;
  readonly api: 'rest' | 'http';
  readonly payloadVersion: '1.0' | '2.0';
  /** Upper-case or `ANY`. */
  readonly method: string;
  /** `/users/{id}`, `/{proxy+}`, or `*`. */
  readonly path: string;
  /** Deployed function name. */
  readonly functionName: string;
  readonly cors?: CorsSettings;
}

/** A request a front worker did not run itself, as it read it from the connection. */
export interface ForwardedRequest {
  readonly method: string;
  readonly url: string;
  /** `req.rawHeaders`. */
  readonly headers: readonly string[];
  readonly ip: string;
  readonly httpVersion: string;
}

/** An HTTP response as status, `[name, value, ...]` headers and body. */
export interface RawResponse {
  readonly status: number;
  readonly headers: readonly string[];
  readonly body: Buffer | string;
}

/** What a front worker needs to know of the api it serves connections of. */
export interface FrontSpec {
  readonly apiId: string;
  readonly bodyLimit: number;
  /** Every route of the api: the worker runs the requests whose best match is its own function's. */
  readonly routes: readonly HttpRoute[];
  /** Answers a request the worker forwarded, as the gateway answers any request. */
  readonly forward: (request: ForwardedRequest, body: Buffer | null, done: (response: RawResponse) => void) => void;
}

/** The api server's side of a connection it handed to a front worker. */
export interface OffloadedConnection {
  /** The api server's own handle on the connection: paused (never read) while a worker serves it. */
  readonly socket: Socket;
  /**
   * Accepted just now (not given back by a worker): with no warm worker to take it, one is started for it. A
   * connection given back (its worker was reaped or replaced) is not worth a new worker: the api server serves it.
   */
  readonly fresh: boolean;
  /**
   * Bytes the api server read from the connection (the start of its next request: which function it is for),
   * passed to the worker with it; null once the worker has them (`adopted`), or when none were read.
   */
  readonly head: Buffer | null;
  /** The worker has the head: a reclaim from now on has no bytes of the api server's to serve first. */
  adopted(): void;
  /** The worker cannot answer the request it read from this connection (it timed out or died): answer and close. */
  answer(response: RawResponse): void;
  /** The worker gave the connection back between two requests, or stopped while it was idle: serve it again. */
  reclaim(): void;
  /** The worker saw the connection close. */
  closed(): void;
}
