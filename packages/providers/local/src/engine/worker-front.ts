import type { FrontMessage } from './protocol.js';
import { gatewayError } from './http/gateway-answers.js';
import type { FrontSpec, OffloadedConnection, RawResponse } from './types.js';
import type { InvokeJob, WorkerOutcome, WorkerProcess } from './worker-process.js';
import type { WorkerMessage } from './protocol.js';

interface Entry {
  readonly connection: OffloadedConnection;
  /** Forwarded requests of this connection not answered yet. */
  forwards: number;
}

export interface WorkerFrontHooks {
  /** The invocation job for a request the worker started itself (logs, timeout, stats: as any invocation). */
  readonly directJob: (requestId: string) => InvokeJob;
  /** A successful request of the worker's that wrote no output: logged without a job. */
  readonly quietResult: (result: Extract<WorkerMessage, { t: 'result' }>) => void;
  /** Such requests, reported together with their log lines already written. */
  readonly quietLines: (message: Extract<FrontMessage, { t: 'quiet' }>) => void;
  /** The worker holds no connection any more after `retire()`. */
  readonly onRetired: () => void;
}

let nextConnectionId = 1;

/**
 * The engine's side of a worker that serves client connections itself (runtime/node/front.mjs). The engine keeps
 * its own handle on every connection it passed: when the worker times out or dies, the request it was running
 * is answered here (504 or 502, as the gateway would) and the connections it left idle are served again by the
 * api server; requests it forwarded are answered by the gateway and handed back to it.
 *
 * The worker does not tell the engine when it starts a request (that wake-up of the engine per request costs
 * more than the request): it overwrites a small state file, which the engine reads on a timer (timeouts) and
 * when the worker dies. Results come batched, and are logged as any invocation's.
 */
export class WorkerFront {
  private readonly entries = new Map<number, Entry>();
  /** Connections accepted before the worker took the routes: passed when it has. */
  private waiting: OffloadedConnection[] = [];
  private ready = false;
  private retiring = false;
  private acknowledge?: () => void;
  /** Resolves once the worker runs no request itself any more (it said so, or it is gone). */
  private acknowledged?: Promise<void>;
  private gone = false;
  /** The last request the worker reported a result for (or that was answered here). */
  private lastSettled = '';
  private readonly watchdog: NodeJS.Timeout;

  constructor(
    readonly worker: WorkerProcess,
    private spec: FrontSpec,
    private readonly timeoutMs: number,
    private readonly functionName: string,
    private readonly hooks: WorkerFrontHooks,
  ) {
    worker.front = this;
    worker.holdForResult = true;
    this.configure();
    // Timeouts are found at this granularity: a hundredth of the timeout, between 10 and 100 ms.
    this.watchdog = setInterval(() => this.checkTimeout(), Math.max(10, Math.min(100, Math.floor(timeoutMs / 100))));
    this.watchdog.unref();
  }

  /** Connections the worker holds. */
  get connections(): number {
    return this.entries.size;
  }

  get isRetiring(): boolean {
    return this.retiring;
  }

  /** Takes a connection; false when the worker cannot any more. */
  accept(connection: OffloadedConnection, spec: FrontSpec): boolean {
    if (this.retiring || this.gone || !this.worker.isAlive) return false;
    if (spec !== this.spec) {
      // The api's routes changed: the worker takes the new table before this connection.
      this.spec = spec;
      this.configure();
    }
    if (!this.ready) {
      this.waiting.push(connection);
      return true;
    }
    return this.pass(connection);
  }

  private pass(connection: OffloadedConnection): boolean {
    const cid = nextConnectionId++;
    this.entries.set(cid, { connection, forwards: 0 });
    const failed = (): void => {
      if (this.entries.get(cid)?.connection === connection) {
        this.take(cid);
        connection.reclaim();
      }
    };
    const head = connection.head;
    const message = head === null ? { t: 'conn', cid } : { t: 'conn', cid, head: head.toString('base64') };
    if (!this.worker.passConnection(message, connection.socket, failed)) {
      this.entries.delete(cid);
      return false;
    }
    return true;
  }

  /** Gives every connection back to the api server (each at its next request boundary), then `onRetired`. */
  retire(): Promise<void> {
    if (this.acknowledged) return this.acknowledged;
    this.retiring = true;
    this.acknowledged = new Promise<void>((resolve) => (this.acknowledge = resolve));
    for (const c of this.takeWaiting()) c.reclaim();
    if (this.entries.size === 0 || !this.worker.isAlive) {
      this.acknowledge!();
      this.finishRetiring();
    } else this.worker.sendMessage('{"t":"release"}');
    return this.acknowledged;
  }

  private configure(): void {
    const { apiId, bodyLimit, routes } = this.spec;
    this.worker.sendMessage(
      JSON.stringify({
        t: 'front',
        functionName: this.functionName,
        timeoutMs: this.timeoutMs,
        apiId,
        bodyLimit,
        routes,
      }),
    );
  }

  onMessage(message: FrontMessage): void {
    switch (message.t) {
      case 'releasing':
        this.acknowledge?.();
        return;
      case 'quiet':
        this.lastSettled = message.last;
        this.hooks.quietLines(message);
        return;
      case 'fronted':
        this.ready = true;
        for (const c of this.takeWaiting()) if (!this.pass(c)) c.reclaim();
        return;
      case 'fwd':
        this.onForward(message);
        return;
      case 'released': {
        const entry = this.take(message.cid);
        entry?.connection.reclaim();
        return;
      }
      case 'closed': {
        const entry = this.take(message.cid);
        entry?.connection.closed();
        return;
      }
      case 'adopted':
        this.entries.get(message.cid)?.connection.adopted();
        return;
    }
  }

  onDirectResult(result: Extract<WorkerMessage, { t: 'result' }>): void {
    this.lastSettled = result.id;
    // The common case (a success that printed nothing): its START/END/REPORT lines and nothing else.
    if (result.ok && this.worker.hasNoOutputFor(result)) {
      this.hooks.quietResult(result);
      return;
    }
    const job = this.hooks.directJob(result.id);
    this.worker.recordDirect(
      {
        ...job,
        onDone: (outcome: WorkerOutcome) => {
          job.onDone(outcome);
          // The worker answers successes and handler errors itself; an uncaught error ends it before it does.
          if (outcome.kind === 'error' && outcome.fatal) this.answerFailed(result.cid!, result.id, 502);
        },
      },
      result,
    );
  }

  /** The request the worker is running, if it has not reported a result for it. */
  private running(): { requestId: string; cid: number; startedAt: number } | undefined {
    const state = this.worker.directState();
    return state && state.requestId !== this.lastSettled ? state : undefined;
  }

  private checkTimeout(): void {
    if (this.gone) return;
    const run = this.running();
    if (!run || Date.now() - run.startedAt < this.timeoutMs) return;
    this.lastSettled = run.requestId;
    this.worker.failDirect(this.hooks.directJob(run.requestId), { kind: 'timeout' });
    this.answerFailed(run.cid, run.requestId, 504);
  }

  private answerFailed(cid: number, requestId: string, status: 502 | 504): void {
    const entry = this.take(cid);
    entry?.connection.answer(
      gatewayError(status, status === 504 ? 'Endpoint request timed out' : 'Internal server error', requestId),
    );
  }

  private onForward(message: Extract<FrontMessage, { t: 'fwd' }>): void {
    const entry = this.entries.get(message.cid);
    if (!entry) return;
    entry.forwards++;
    this.spec.forward(message.r, message.body && message.body.length > 0 ? message.body : null, (response) => {
      entry.forwards--;
      if (this.entries.get(message.cid) === entry && this.worker.isAlive) {
        this.worker.sendMessage(
          JSON.stringify({ t: 'fwdres', fid: message.fid, status: response.status, headers: response.headers }),
          response.body,
        );
        return;
      }
      // The worker is gone: its handle on the connection too. Answer on ours.
      if (this.gone && this.entries.get(message.cid) === entry) {
        this.take(message.cid);
        entry.connection.answer(response);
      }
    });
  }

  /** The worker exited: answer or hand back every connection it held. */
  onGone(exit: Extract<WorkerOutcome, { kind: 'exit' }>): void {
    if (this.gone) return;
    this.gone = true;
    this.acknowledge?.();
    clearInterval(this.watchdog);
    const run = this.running();
    if (run) {
      this.lastSettled = run.requestId;
      this.worker.failDirect(this.hooks.directJob(run.requestId), exit);
      this.answerFailed(run.cid, run.requestId, 502);
    }
    for (const c of this.takeWaiting()) c.reclaim();
    for (const [cid, entry] of [...this.entries]) {
      // Forwarded requests are answered when they are done.
      if (entry.forwards > 0) continue;
      this.take(cid);
      entry.connection.reclaim();
    }
    if (this.entries.size === 0 && this.retiring) this.finishRetiring();
  }

  private takeWaiting(): OffloadedConnection[] {
    const list = this.waiting;
    this.waiting = [];
    return list;
  }

  private take(cid: number): Entry | undefined {
    const entry = this.entries.get(cid);
    if (!entry) return undefined;
    this.entries.delete(cid);
    if (this.entries.size === 0 && this.retiring) this.finishRetiring();
    return entry;
  }

  private retired = false;
  private finishRetiring(): void {
    if (this.retired) return;
    this.retired = true;
    clearInterval(this.watchdog);
    this.worker.holdForResult = false;
    this.hooks.onRetired();
  }
}

export type { RawResponse };
