import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { InvocationResult } from '../engine/types.js';
import { fsyncDir, writeFileAtomic } from './fs-util.js';

/** One pending asynchronous invocation, as stored in `queue/<id>.json`. */
export interface QueuedEvent {
  /** Also the request id of every attempt, as Lambda does. */
  readonly id: string;
  readonly functionName: string;
  readonly payload: unknown;
  /** Attempts already made. */
  readonly attempts: number;
  readonly enqueuedAt: number;
  readonly nextAttemptAt: number;
}

export interface AsyncQueueOptions {
  readonly dir: string;
  /** Run one attempt; `undefined` when the function no longer exists. */
  invoke(event: QueuedEvent): Promise<InvocationResult | undefined>;
  /** Report what happened to an event in the function's log. */
  log(functionName: string, requestId: string, message: string): void;
  /** Retries after the first attempt (Lambda: 2). */
  readonly maxRetries?: number;
  /** Delay before retry n (1-based) in ms; default 1 s, 2 s. */
  readonly retryDelaysMs?: readonly number[];
  /** Attempts running at once. */
  readonly concurrency?: number;
  readonly now?: () => number;
}

/**
 * A durable queue of async invocations: each event is one file, fsync'd before `enqueue`
 * resolves (so before the caller answers 202), rewritten after a failed attempt and deleted
 * when delivered or dropped. A restarted daemon picks up every file left behind.
 */
export class AsyncQueue {
  readonly #options: AsyncQueueOptions;
  readonly #maxRetries: number;
  readonly #delays: readonly number[];
  readonly #concurrency: number;
  readonly #now: () => number;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #events = new Map<string, QueuedEvent>();
  readonly #ready: string[] = [];
  readonly #idleWaiters: (() => void)[] = [];
  #running = 0;
  #started = false;
  #closed = false;

  constructor(options: AsyncQueueOptions) {
    this.#options = options;
    this.#maxRetries = options.maxRetries ?? 2;
    this.#delays = options.retryDelaysMs ?? [1000, 2000];
    this.#concurrency = options.concurrency ?? 8;
    this.#now = options.now ?? Date.now;
    mkdirSync(options.dir, { recursive: true });
  }

  /** Pending events (waiting or running). */
  get size(): number {
    return this.#events.size;
  }

  pending(): readonly QueuedEvent[] {
    return [...this.#events.values()];
  }

  /** Load the events left on disk and start delivering. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const file of readdirSync(this.#options.dir)) {
      if (!file.endsWith('.json') || file.startsWith('.')) {
        if (file.endsWith('.tmp')) rmSync(join(this.#options.dir, file), { force: true });
        continue;
      }
      try {
        const event = JSON.parse(readFileSync(join(this.#options.dir, file), 'utf8')) as QueuedEvent;
        if (typeof event.id !== 'string' || typeof event.functionName !== 'string') throw new Error('bad event');
        this.#events.set(event.id, event);
      } catch {
        rmSync(join(this.#options.dir, file), { force: true });
      }
    }
    for (const event of [...this.#events.values()].sort((a, b) => a.enqueuedAt - b.enqueuedAt)) this.#arm(event);
  }

  /** Persist an event durably (fsync), then schedule it. Returns its id (the request id). */
  enqueue(functionName: string, payload: unknown, id: string = randomUUID()): string {
    if (this.#closed) throw new Error('the async queue is closed');
    const now = this.#now();
    const event: QueuedEvent = { id, functionName, payload, attempts: 0, enqueuedAt: now, nextAttemptAt: now };
    this.#write(event);
    this.#events.set(id, event);
    if (this.#started) this.#arm(event);
    return id;
  }

  /** Forget the events of a removed function. */
  drop(functionName: string): number {
    let n = 0;
    for (const event of [...this.#events.values()]) {
      if (event.functionName !== functionName) continue;
      this.#forget(event.id);
      n++;
    }
    return n;
  }

  /** Resolves when nothing is pending (tests, shutdown). */
  idle(): Promise<void> {
    if (this.#events.size === 0) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #file(id: string): string {
    return join(this.#options.dir, `${id}.json`);
  }

  #write(event: QueuedEvent): void {
    writeFileAtomic(this.#file(event.id), JSON.stringify(event), 0o600);
    fsyncDir(this.#options.dir);
  }

  #forget(id: string): void {
    const timer = this.#timers.get(id);
    if (timer) clearTimeout(timer);
    this.#timers.delete(id);
    this.#events.delete(id);
    rmSync(this.#file(id), { force: true });
    if (this.#events.size === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }

  #arm(event: QueuedEvent): void {
    if (this.#closed) return;
    const delay = Math.max(0, event.nextAttemptAt - this.#now());
    const timer = setTimeout(() => {
      this.#timers.delete(event.id);
      this.#ready.push(event.id);
      this.#pump();
    }, delay);
    this.#timers.set(event.id, timer);
  }

  #pump(): void {
    while (!this.#closed && this.#running < this.#concurrency && this.#ready.length) {
      const id = this.#ready.shift()!;
      const event = this.#events.get(id);
      if (!event) continue;
      this.#running++;
      void this.#attempt(event).finally(() => {
        this.#running--;
        this.#pump();
      });
    }
  }

  async #attempt(event: QueuedEvent): Promise<void> {
    let result: InvocationResult | undefined;
    let failure: string | undefined;
    try {
      result = await this.#options.invoke(event);
    } catch (error) {
      failure = (error as Error).message;
    }
    if (this.#closed || !this.#events.has(event.id)) return;
    if (!failure && result === undefined) {
      this.#forget(event.id);
      this.#options.log(
        event.functionName,
        event.id,
        `Async invocation ${event.id} dropped: the function is no longer deployed`,
      );
      return;
    }
    if (!failure && !result!.functionError) {
      this.#forget(event.id);
      return;
    }
    if (result?.functionError) {
      const err = result.payload as { errorType?: string; errorMessage?: string } | undefined;
      failure = `${result.functionError}${err?.errorType ? ` ${err.errorType}` : ''}${err?.errorMessage ? `: ${err.errorMessage}` : ''}`;
    }
    const attempts = event.attempts + 1;
    if (attempts > this.#maxRetries) {
      this.#forget(event.id);
      this.#options.log(
        event.functionName,
        event.id,
        `Async invocation ${event.id} failed after ${attempts} attempts and was dropped (${failure})`,
      );
      return;
    }
    const delay = this.#delays[Math.min(attempts - 1, this.#delays.length - 1)] ?? 1000;
    const next: QueuedEvent = { ...event, attempts, nextAttemptAt: this.#now() + delay };
    this.#write(next);
    this.#events.set(event.id, next);
    this.#options.log(
      event.functionName,
      event.id,
      `Async invocation ${event.id} attempt ${attempts} failed (${failure}); retrying in ${delay} ms`,
    );
    this.#arm(next);
  }
}
