import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import type { HttpRequest } from '../../runtime/node/http-adapter.mjs';
import {
  encodeFrame,
  encodeFrameWithBytes,
  FrameReader,
  type FrontMessage,
  type WireError,
  type WorkerMessage,
} from './protocol.js';
import { LineSplitter } from './line-splitter.js';
import type { RuntimeKind } from './runtime-paths.js';

export interface WorkerLaunch {
  readonly kind: RuntimeKind;
  readonly memorySize: number;
  readonly command: string;
  readonly args: readonly string[];
  /** The generic worker's minimal environment (the function's comes with `load`). */
  readonly env: Readonly<Record<string, string>>;
}

export interface LoadRequest {
  readonly codeDir: string;
  readonly handler: string;
  readonly env: Readonly<Record<string, string>>;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly memorySize: number;
  readonly region: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
}

export type WorkerOutcome =
  | { readonly kind: 'ok'; readonly payload: unknown; readonly maxMemoryUsedMB: number; readonly handlerMs?: number }
  | {
      readonly kind: 'error';
      readonly error: WireError;
      readonly maxMemoryUsedMB: number;
      readonly fatal: boolean;
      readonly handlerMs?: number;
    }
  | { readonly kind: 'timeout' }
  | {
      readonly kind: 'exit';
      readonly code: number | null;
      readonly signal: NodeJS.Signals | null;
      readonly oom: boolean;
    }
  /** Queued behind another invocation on a worker that died first: it never ran, run it elsewhere. */
  | { readonly kind: 'not-started' };

export type LineSink = (stream: 'stdout' | 'stderr', line: string) => void;

/** One invocation handed to a worker. */
export interface InvokeJob {
  readonly requestId: string;
  /** The event, or (Node workers) `http`: an HTTP request the worker turns into the event, its result into the response. */
  readonly eventJson?: string;
  readonly http?: { readonly request: HttpRequest; readonly body: Buffer | null };
  /** The worker is killed when the handler runs longer; counted from `onStart`. */
  readonly timeoutMs: number;
  readonly clientContext?: string;
  /** The worker starts it: submitted to an idle worker, or the invocation before it finished. */
  readonly onStart?: () => void;
  /** The lines it writes (default: the worker's `lineSink`). */
  readonly onLine?: LineSink;
  /** Called once, synchronously when the outcome is known (before the next job on the worker starts). */
  readonly onDone: (outcome: WorkerOutcome) => void;
}

interface PendingInvoke {
  readonly job: InvokeJob;
  result?: Extract<WorkerMessage, { t: 'result' }>;
  guard?: NodeJS.Timeout;
}

let nextWorkerId = 1;

/** Output a worker is still writing after its result arrived is waited for at most this long. */
const OUTPUT_GRACE_MS = 1000;
/** Output of queued invocations held back while the running one has not answered, at most (then it is its). */
const MAX_HELD_OUTPUT_BYTES = 1024 * 1024;
/** After `exit`, stdio may still hold the last lines (a crash message): wait for `close`, at most this long. */
const CLOSE_GRACE_MS = 300;

/** One worker process: a generic worker until `load`, then bound to one function version. */
export class WorkerProcess {
  readonly id = nextWorkerId++;
  readonly kind: RuntimeKind;
  readonly memorySize: number;
  readonly startedAt = performance.now();
  /** Time from spawn (or from `load`, for a pre-started worker) to a loaded handler. */
  initDurationMs?: number;
  /** True until the first invocation on this worker has been reported (Init Duration goes on it). */
  fresh = true;
  idleSince = 0;
  /** Max memory used as of the last completed invocation (reported on a timeout or a crash). */
  lastMaxMemoryMB = 0;
  lineSink?: LineSink;
  onExit?: (worker: WorkerProcess) => void;
  /** Set while the worker serves connections itself (worker-front.ts). */
  front?: {
    onMessage(message: FrontMessage): void;
    onDirectResult(message: Extract<WorkerMessage, { t: 'result' }>): void;
    onGone(exit: Extract<WorkerOutcome, { kind: 'exit' }>): void;
  };
  /**
   * Node workers: a file (already unlinked) the worker overwrites, with one positional write and no wake-up of
   * this process, when it starts a request it read from a connection itself. Read when that request may have
   * timed out or the worker died in it (`directState()`).
   */
  private readonly stateFd?: number;
  private readonly child: ChildProcess;
  private readonly channel: Socket;
  private readonly reader: FrameReader;
  private readonly stdout: LineSplitter;
  private readonly stderr: LineSplitter;
  private outBytes = 0;
  private errBytes = 0;
  private alive = true;
  private closed = false;
  private oom = false;
  private pendingLoad?: { resolve: (v: number) => void; reject: (e: WireError) => void; started: number };
  /** Submitted invocations, in order: the first one runs, the others wait in the worker's input. */
  private readonly queue: PendingInvoke[] = [];
  /** When the running invocation started (performance.now()). */
  headStartedAt = 0;
  private readonly heldOut: Buffer[] = [];
  private readonly heldErr: Buffer[] = [];
  private heldOutBytes = 0;
  private heldErrBytes = 0;
  private exitInfo?: { code: number | null; signal: NodeJS.Signals | null };
  readonly exited: Promise<void>;
  private markReady!: () => void;
  private readonly readyPromise = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(launch: WorkerLaunch) {
    this.kind = launch.kind;
    this.memorySize = launch.memorySize;
    if (launch.kind === 'node') this.stateFd = createStateFile();
    this.child = spawn(launch.command, launch.args as string[], {
      env: launch.env,
      // Node workers get an IPC channel (client connections for a worker that serves them itself) and the
      // state file as fd 5.
      stdio:
        this.stateFd === undefined
          ? ['ignore', 'pipe', 'pipe', 'pipe']
          : ['ignore', 'pipe', 'pipe', 'pipe', 'ipc', this.stateFd],
      cwd: '/',
    });
    this.channel = this.child.stdio[3] as Socket;
    this.reader = new FrameReader((m) => this.onMessage(m));
    this.stdout = new LineSplitter((line) => this.emitLine('stdout', line));
    this.stderr = new LineSplitter((line) => {
      if (!this.oom && line.includes('JavaScript heap out of memory')) this.oom = true;
      this.emitLine('stderr', line);
    });
    this.channel.on('data', (chunk: Buffer) => this.reader.push(chunk));
    this.channel.on('error', () => this.kill());
    this.child.stdout!.on('data', (chunk: Buffer) => this.onOutput(false, chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => this.onOutput(true, chunk));
    this.child.on('error', () => this.onClosed(null, null));
    let closeTimer: NodeJS.Timeout | undefined;
    this.exited = new Promise<void>((resolve) => {
      this.child.once('close', (code, signal) => {
        if (closeTimer) clearTimeout(closeTimer);
        this.onClosed(code, signal);
        resolve();
      });
      this.child.once('exit', (code, signal) => {
        this.alive = false;
        this.exitInfo = { code, signal };
        closeTimer = setTimeout(() => {
          this.onClosed(code, signal);
          resolve();
        }, CLOSE_GRACE_MS);
        closeTimer.unref();
      });
    });
  }

  /** Resolves once the bootstrap is up and listening for frames. */
  whenReady(): Promise<void> {
    return this.readyPromise;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isAlive(): boolean {
    return this.alive && !this.closed;
  }

  get busy(): boolean {
    return this.queue.length > 0 || this.pendingLoad !== undefined;
  }

  /** Invocations submitted and not finished (the running one included). */
  get depth(): number {
    return this.queue.length;
  }

  /** Binds the worker to a function: environment, working directory, handler. Rejects with the init error. */
  load(request: LoadRequest): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      if (!this.isAlive) {
        reject({ errorType: 'Runtime.ExitError', errorMessage: 'Worker exited before loading the handler' });
        return;
      }
      this.pendingLoad = { resolve, reject, started: performance.now() };
      this.send(JSON.stringify({ t: 'load', ...request }));
    });
  }

  /** Runs one invocation; the worker is killed when `timeoutMs` passes. Never rejects. */
  invoke(requestId: string, eventJson: string, timeoutMs: number, clientContext?: string): Promise<WorkerOutcome> {
    return new Promise<WorkerOutcome>((resolve) =>
      this.submit({ requestId, eventJson, timeoutMs, clientContext, onDone: resolve }),
    );
  }

  /**
   * Hands an invocation to the worker. The worker runs one at a time: a job submitted while another runs
   * waits in the worker's input (one write now, no round trip later) and starts when the one before it is done.
   */
  submit(job: InvokeJob): void {
    if (!this.isAlive) {
      job.onDone({ kind: 'not-started' });
      return;
    }
    const p: PendingInvoke = { job };
    this.queue.push(p);
    if (job.http) {
      this.sendFrame(
        encodeFrameWithBytes(
          `{"t":"http","id":${JSON.stringify(job.requestId)},"timeoutMs":${job.timeoutMs},"r":${JSON.stringify(job.http.request)}}`,
          job.http.body,
        ),
      );
    } else {
      const cc = job.clientContext === undefined ? '' : `,"clientContext":${JSON.stringify(job.clientContext)}`;
      this.send(
        `{"t":"invoke","id":${JSON.stringify(job.requestId)},"timeoutMs":${job.timeoutMs}${cc},"event":${job.eventJson ?? 'null'}}`,
      );
    }
    if (this.queue.length === 1) this.startHead();
  }

  /** An invocation the worker started itself (a request it read from a connection): timed and logged as any. */
  track(job: InvokeJob): void {
    if (!this.isAlive) {
      job.onDone({ kind: 'not-started' });
      return;
    }
    this.queue.push({ job });
    if (this.queue.length === 1) this.startHead();
  }

  /** The request the worker last started from a connection (runtime/node/front.mjs writes it), if any. */
  directState(): { readonly requestId: string; readonly cid: number; readonly startedAt: number } | undefined {
    if (this.stateFd === undefined) return undefined;
    const buf = Buffer.alloc(STATE_RECORD_BYTES);
    let n: number;
    try {
      n = readSync(this.stateFd, buf, 0, STATE_RECORD_BYTES, 0);
    } catch {
      return undefined;
    }
    const [startedAt, cid, requestId] = buf.toString('latin1', 0, n).trim().split(' ');
    // `0 0 <id>`: that request is done.
    if (!requestId || !(Number(startedAt) > 0) || !Number.isFinite(Number(cid))) return undefined;
    return { requestId, cid: Number(cid), startedAt: Number(startedAt) };
  }

  /** True when no output waits for attribution, so a result that wrote none needs no invocation bookkeeping. */
  hasNoOutputFor(result: Extract<WorkerMessage, { t: 'result' }>): boolean {
    return (
      this.queue.length === 0 &&
      this.heldOutBytes === 0 &&
      this.heldErrBytes === 0 &&
      this.outBytes === result.o &&
      this.errBytes === result.e
    );
  }

  /** The result of a request the worker ran from a connection: logged as any invocation, output attributed. */
  recordDirect(job: InvokeJob, result: Extract<WorkerMessage, { t: 'result' }>): void {
    this.queue.push({ job, result });
    if (this.queue.length === 1) {
      // It already ran: no timer (startHead) to arm.
      this.headStartedAt = performance.now();
      job.onStart?.();
    }
    this.drainOutput();
  }

  /**
   * A request the worker ran from a connection and never finished: it timed out (`timeout`: the worker is
   * killed) or the worker died in it. The output held so far is its.
   */
  failDirect(job: InvokeJob, outcome: Extract<WorkerOutcome, { kind: 'timeout' | 'exit' }>): void {
    const p: PendingInvoke = { job };
    this.queue.unshift(p);
    job.onStart?.();
    this.holdForResult = false;
    this.flushHeldOutput();
    if (this.queue[0] === p) this.queue.shift();
    if (outcome.kind === 'timeout') this.kill();
    job.onDone(outcome);
  }

  /**
   * While a worker serves connections, its output waits for the result that says whose it is (results come
   * batched, after the output); output no result claims within a moment is emitted as the worker's own.
   */
  holdForResult = false;
  private holdTimer?: NodeJS.Timeout;

  /** A frame to the worker: JSON, and raw bytes after it when given. */
  sendMessage(json: string, bytes?: Buffer | string | null): void {
    if (bytes === undefined) this.send(json);
    else this.sendFrame(encodeFrameWithBytes(json, bytes));
  }

  /**
   * Passes a connection over the IPC channel; this process keeps its own handle. False if the channel is gone;
   * `onFailed` if the handle could not be sent after all.
   */
  passConnection(message: object, socket: Socket, onFailed: () => void): boolean {
    if (!this.isAlive || !this.child.connected) return false;
    // Without this, child_process treats the socket as a cluster worker's connection of `socket.server`: the
    // server's close() would then wait for the worker to report it closed, which a dead worker never does. We
    // keep our own handle open and counted (`_server`), so the server waits for that one instead.
    const s = socket as Socket & { server: unknown };
    const server = s.server;
    s.server = null;
    try {
      // send() returning false only means its queue is long: the handle still goes, in order.
      this.child.send(message, socket, { keepOpen: true }, (error) => {
        if (error) onFailed();
      });
      return true;
    } catch {
      return false;
    } finally {
      s.server = server;
    }
  }

  private startHead(): void {
    const p = this.queue[0];
    if (!p) return;
    this.headStartedAt = performance.now();
    // One timer per worker, re-armed for each invocation it starts (no timer allocated per invocation).
    const t = this.headTimer;
    if (t && this.headTimeoutMs === p.job.timeoutMs) {
      t.refresh();
      t.ref();
    } else {
      if (t) clearTimeout(t);
      this.headTimeoutMs = p.job.timeoutMs;
      this.headTimer = setTimeout(this.onHeadTimer, p.job.timeoutMs);
    }
    p.job.onStart?.();
  }

  private headTimer?: NodeJS.Timeout;
  private headTimeoutMs = 0;
  private readonly onHeadTimer = (): void => {
    const p = this.queue[0];
    if (!p || this.closed) return;
    const left = p.job.timeoutMs - (performance.now() - this.headStartedAt);
    if (left > 1) {
      this.headTimer = setTimeout(this.onHeadTimer, left);
      this.headTimeoutMs = -1;
      return;
    }
    this.onTimeout(p);
  };

  private onTimeout(p: PendingInvoke): void {
    if (this.queue[0] !== p) return;
    this.queue.shift();
    if (p.guard) clearTimeout(p.guard);
    this.kill();
    p.job.onDone({ kind: 'timeout' });
    this.abandonQueued();
  }

  /** The worker is gone: what waited behind the running invocation never started. */
  private abandonQueued(): void {
    for (const q of this.queue.splice(0)) {
      if (q.guard) clearTimeout(q.guard);
      q.job.onDone({ kind: 'not-started' });
    }
  }

  kill(): void {
    if (this.alive) {
      this.alive = false;
      this.child.kill('SIGKILL');
    }
  }

  /** Asks the worker to exit; kills it if it has not after a short while. */
  stop(): Promise<void> {
    if (this.alive) {
      this.send('{"t":"exit"}');
      const t = setTimeout(() => this.kill(), 1000);
      t.unref();
    }
    return this.exited;
  }

  /**
   * Frames written in one event-loop turn (invocations parsed from several connections at once) leave in
   * one write: on a small machine every syscall and every wake-up of the worker counts.
   */
  private send(json: string): void {
    this.sendFrame(encodeFrame(json));
  }

  private sendFrame(frame: Buffer): void {
    if (this.channel.destroyed) return;
    if (!this.corked) {
      this.corked = true;
      this.channel.cork();
      setImmediate(this.uncork);
    }
    this.channel.write(frame);
  }

  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.channel.uncork();
  };

  /** Every byte of output held back goes to the lines now (to the invocation at the head of the queue, if any). */
  private flushHeldOutput(): void {
    for (const c of this.heldOut.splice(0)) this.stdout.push(c);
    for (const c of this.heldErr.splice(0)) this.stderr.push(c);
    this.heldOutBytes = 0;
    this.heldErrBytes = 0;
    this.stdout.flush();
    this.stderr.flush();
  }

  private readonly releaseHeld = (): void => {
    this.holdTimer = undefined;
    const hold = this.holdForResult;
    this.holdForResult = false;
    this.drainOutput();
    this.holdForResult = hold;
  };

  private emitLine(stream: 'stdout' | 'stderr', line: string): void {
    const sink = this.queue.length > 0 ? (this.queue[0].job.onLine ?? this.lineSink) : this.lineSink;
    sink?.(stream, line);
  }

  /**
   * Output is attributed by byte counts: every result carries the bytes the worker had written to stdout and
   * stderr by then, so bytes up to those counts are that invocation's lines and bytes past them the next
   * one's (a chunk is split there). Output that arrives before the running invocation's result, while others
   * are queued behind it, is held until the result says where it ends.
   */
  private onOutput(isErr: boolean, chunk: Buffer): void {
    if (isErr) {
      this.heldErr.push(chunk);
      this.heldErrBytes += chunk.length;
    } else {
      this.heldOut.push(chunk);
      this.heldOutBytes += chunk.length;
    }
    this.drainOutput();
  }

  private draining = false;

  private drainOutput(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (;;) {
        const progressed = this.drainStream(false) || this.drainStream(true);
        const p = this.queue[0];
        const r = p?.result;
        if (p && r && this.outBytes >= r.o && this.errBytes >= r.e) {
          this.complete(p);
          continue;
        }
        if (!progressed) break;
      }
    } finally {
      this.draining = false;
    }
    const p = this.queue[0];
    if (p?.result && !p.guard) {
      // Still waiting for output the result counted: never longer than the grace period.
      p.guard = setTimeout(() => this.complete(p), OUTPUT_GRACE_MS);
      p.guard.unref();
    }
  }

  /** Feeds held output of one stream to its line splitter as far as attribution allows; true if it did. */
  private drainStream(isErr: boolean): boolean {
    const held = isErr ? this.heldErr : this.heldOut;
    let progressed = false;
    while (held.length > 0) {
      const p = this.queue[0];
      const r = p?.result;
      const heldBytes = isErr ? this.heldErrBytes : this.heldOutBytes;
      if (p && !r && this.queue.length > 1 && heldBytes <= MAX_HELD_OUTPUT_BYTES) return progressed;
      if (!p && this.holdForResult && heldBytes <= MAX_HELD_OUTPUT_BYTES) {
        this.holdTimer ??= setTimeout(this.releaseHeld, OUTPUT_GRACE_MS);
        return progressed;
      }
      const seen = isErr ? this.errBytes : this.outBytes;
      const room = r ? (isErr ? r.e : r.o) - seen : Infinity;
      if (room <= 0) return progressed;
      const chunk = held[0];
      const take = room >= chunk.length ? chunk.length : room;
      if (take === chunk.length) held.shift();
      else held[0] = chunk.subarray(take);
      const part = take === chunk.length ? chunk : chunk.subarray(0, take);
      if (isErr) {
        this.errBytes += take;
        this.heldErrBytes -= take;
        this.stderr.push(part);
      } else {
        this.outBytes += take;
        this.heldOutBytes -= take;
        this.stdout.push(part);
      }
      progressed = true;
    }
    return progressed;
  }

  private onMessage(message: WorkerMessage): void {
    switch (message.t) {
      case 'ready':
        this.markReady();
        return;
      case 'loaded': {
        const p = this.pendingLoad;
        this.pendingLoad = undefined;
        if (!p) return;
        if (message.ok) {
          this.initDurationMs = message.initMs ?? performance.now() - p.started;
          p.resolve(this.initDurationMs);
        } else {
          p.reject(message.error ?? { errorType: 'Runtime.Unknown', errorMessage: 'Unknown init error' });
        }
        return;
      }
      case 'result': {
        if (message.cid !== undefined) {
          this.front?.onDirectResult(message);
          return;
        }
        // Usually the running one; the next may already answer while this one still waits for its output.
        let p: PendingInvoke | undefined = this.queue[0];
        if (p && p.job.requestId !== message.id) p = this.queue.find((q) => q.job.requestId === message.id);
        if (!p) return;
        p.result = message;
        this.drainOutput();
        return;
      }
      case 'fatal': {
        const p = this.pendingLoad;
        this.pendingLoad = undefined;
        p?.reject(message.error);
        return;
      }
      default:
        this.front?.onMessage(message);
    }
  }

  private complete(p: PendingInvoke): void {
    const r = p.result;
    if (this.queue[0] !== p || !r) return;
    // A last line without a newline is still this invocation's.
    this.stdout.flush();
    this.stderr.flush();
    this.queue.shift();
    if (this.queue.length === 0) this.headTimer?.unref();
    if (p.guard) clearTimeout(p.guard);
    if (r.ok) p.job.onDone({ kind: 'ok', payload: payloadOf(r), maxMemoryUsedMB: r.m, handlerMs: r.d });
    else
      p.job.onDone({ kind: 'error', error: r.error!, maxMemoryUsedMB: r.m, fatal: r.fatal === true, handlerMs: r.d });
    if (r.fatal === true) {
      // The runtime exits after an uncaught error: nothing queued behind it will run there.
      this.kill();
      this.abandonQueued();
    } else if (this.isAlive) {
      const next = this.queue[0];
      if (next?.result) {
        this.headStartedAt = performance.now();
        next.job.onStart?.();
      } else this.startHead();
    } else this.abandonQueued();
    this.drainOutput();
  }

  private onClosed(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.closed) return;
    this.closed = true;
    this.alive = false;
    if (this.headTimer) clearTimeout(this.headTimer);
    if (this.holdTimer) clearTimeout(this.holdTimer);
    const exit = this.exitInfo ?? { code, signal };
    // A request the worker was running from a connection gets the output held so far and its error answer.
    this.front?.onGone({ kind: 'exit', code: exit.code, signal: exit.signal, oom: this.oom });
    if (this.stateFd !== undefined) {
      try {
        closeSync(this.stateFd);
      } catch {
        // already closed
      }
    }
    this.flushHeldOutput();
    const load = this.pendingLoad;
    this.pendingLoad = undefined;
    if (load) {
      load.reject({
        errorType: this.oom ? 'Runtime.OutOfMemory' : 'Runtime.ExitError',
        errorMessage: `Runtime exited with error: ${describeExit(exit.code, exit.signal)}`,
      });
    }
    const p = this.queue.shift();
    if (p) {
      if (p.guard) clearTimeout(p.guard);
      if (p.result) {
        // The result made it out before the process ended (e.g. an uncaught error after it): keep it.
        const r = p.result;
        if (r.ok) p.job.onDone({ kind: 'ok', payload: payloadOf(r), maxMemoryUsedMB: r.m });
        else p.job.onDone({ kind: 'error', error: r.error!, maxMemoryUsedMB: r.m, fatal: r.fatal === true });
      } else {
        p.job.onDone({ kind: 'exit', code: exit.code, signal: exit.signal, oom: this.oom });
      }
    }
    this.abandonQueued();
    this.onExit?.(this);
  }
}

const EMPTY = Buffer.alloc(0);

/** Size of the state record runtime/node/front.mjs writes: `<start epoch ms> <connection id> <request id>`. */
const STATE_RECORD_BYTES = 128;

let stateFiles = 0;

/** An empty file, unlinked at once: only the descriptors (ours and the worker's) keep it. */
function createStateFile(): number {
  const path = join(tmpdir(), `skyrun-worker-${process.pid}-${++stateFiles}-${Date.now()}`);
  const fd = openSync(path, 'w+', 0o600);
  unlinkSync(path);
  return fd;
}

/** The handler's result; for an HTTP invocation the response (null: a malformed handler result). */
function payloadOf(r: Extract<WorkerMessage, { t: 'result' }>): unknown {
  if (r.http === undefined) return r.payload ?? null;
  if (r.http === null) return null;
  return { statusCode: r.http.statusCode, headers: r.http.headers, body: r.body ?? EMPTY };
}

const SIGNAL_NAMES: Partial<Record<NodeJS.Signals, string>> = {
  SIGABRT: 'aborted',
  SIGKILL: 'killed',
  SIGSEGV: 'segmentation fault',
  SIGTERM: 'terminated',
  SIGBUS: 'bus error',
};

/** `exit status 1` / `signal: killed`, as Lambda words it. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `signal: ${SIGNAL_NAMES[signal] ?? signal}`;
  return `exit status ${code ?? 0}`;
}
