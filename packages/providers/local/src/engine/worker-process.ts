import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { encodeFrame, FrameReader, type WireError, type WorkerMessage } from './protocol.js';
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
    };

export type LineSink = (stream: 'stdout' | 'stderr', line: string) => void;

interface PendingInvoke {
  readonly resolve: (outcome: WorkerOutcome) => void;
  readonly timer: NodeJS.Timeout;
  result?: Extract<WorkerMessage, { t: 'result' }>;
  guard?: NodeJS.Timeout;
}

let nextWorkerId = 1;

/** Output a worker is still writing after its result arrived is waited for at most this long. */
const OUTPUT_GRACE_MS = 1000;
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
  private pending?: PendingInvoke;
  private exitInfo?: { code: number | null; signal: NodeJS.Signals | null };
  readonly exited: Promise<void>;
  private markReady!: () => void;
  private readonly readyPromise = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(launch: WorkerLaunch) {
    this.kind = launch.kind;
    this.memorySize = launch.memorySize;
    this.child = spawn(launch.command, launch.args as string[], {
      env: launch.env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
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
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.outBytes += chunk.length;
      this.stdout.push(chunk);
      if (this.pending?.result) this.maybeComplete();
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.errBytes += chunk.length;
      this.stderr.push(chunk);
      if (this.pending?.result) this.maybeComplete();
    });
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
    return this.pending !== undefined || this.pendingLoad !== undefined;
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
  invoke(
    requestId: string,
    eventJson: string,
    deadline: number,
    timeoutMs: number,
    clientContext?: string,
  ): Promise<WorkerOutcome> {
    return new Promise<WorkerOutcome>((resolve) => {
      if (!this.isAlive) {
        resolve({
          kind: 'exit',
          code: this.exitInfo?.code ?? null,
          signal: this.exitInfo?.signal ?? null,
          oom: this.oom,
        });
        return;
      }
      const timer = setTimeout(() => {
        const p = this.pending;
        if (!p) return;
        this.pending = undefined;
        if (p.guard) clearTimeout(p.guard);
        this.kill();
        p.resolve({ kind: 'timeout' });
      }, timeoutMs);
      this.pending = { resolve, timer };
      const cc = clientContext === undefined ? '' : `,"clientContext":${JSON.stringify(clientContext)}`;
      this.send(`{"t":"invoke","id":${JSON.stringify(requestId)},"deadline":${deadline}${cc},"event":${eventJson}}`);
    });
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

  private send(json: string): void {
    if (!this.channel.destroyed) this.channel.write(encodeFrame(json));
  }

  private emitLine(stream: 'stdout' | 'stderr', line: string): void {
    this.lineSink?.(stream, line);
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
        const p = this.pending;
        if (!p) return;
        p.result = message;
        this.maybeComplete();
        return;
      }
      case 'fatal': {
        const p = this.pendingLoad;
        this.pendingLoad = undefined;
        p?.reject(message.error);
        return;
      }
    }
  }

  private maybeComplete(): void {
    const p = this.pending;
    const r = p?.result;
    if (!p || !r) return;
    if (this.outBytes < r.o || this.errBytes < r.e) {
      if (!p.guard) {
        p.guard = setTimeout(() => this.complete(), OUTPUT_GRACE_MS);
        p.guard.unref();
      }
      return;
    }
    this.complete();
  }

  private complete(): void {
    const p = this.pending;
    const r = p?.result;
    if (!p || !r) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    if (p.guard) clearTimeout(p.guard);
    this.stdout.flush();
    this.stderr.flush();
    if (r.ok) p.resolve({ kind: 'ok', payload: r.payload ?? null, maxMemoryUsedMB: r.m, handlerMs: r.d });
    else p.resolve({ kind: 'error', error: r.error!, maxMemoryUsedMB: r.m, fatal: r.fatal === true, handlerMs: r.d });
  }

  private onClosed(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.closed) return;
    this.closed = true;
    this.alive = false;
    this.stdout.flush();
    this.stderr.flush();
    const info = this.exitInfo ?? { code, signal };
    const load = this.pendingLoad;
    this.pendingLoad = undefined;
    if (load) {
      load.reject({
        errorType: this.oom ? 'Runtime.OutOfMemory' : 'Runtime.ExitError',
        errorMessage: `Runtime exited with error: ${describeExit(info.code, info.signal)}`,
      });
    }
    const p = this.pending;
    if (p) {
      this.pending = undefined;
      clearTimeout(p.timer);
      if (p.guard) clearTimeout(p.guard);
      if (p.result) {
        // The result made it out before the process ended (e.g. an uncaught error after it): keep it.
        const r = p.result;
        if (r.ok) p.resolve({ kind: 'ok', payload: r.payload ?? null, maxMemoryUsedMB: r.m });
        else p.resolve({ kind: 'error', error: r.error!, maxMemoryUsedMB: r.m, fatal: r.fatal === true });
      } else {
        p.resolve({ kind: 'exit', code: info.code, signal: info.signal, oom: this.oom });
      }
    }
    this.onExit?.(this);
  }
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
