import type { RuntimeKind } from './runtime-paths.js';
import { WorkerProcess, type WorkerLaunch } from './worker-process.js';

export type LaunchFor = (kind: RuntimeKind, memorySize: number) => WorkerLaunch;

/**
 * Pre-started *generic* workers, not yet bound to any function (as Fission's pool manager): a cold start
 * takes one and sends it `load`, skipping process start-up. Kept per runtime and heap size (Node's heap limit
 * is a start-up flag), only for the keys some deployed version uses, plus the default. Refilled one spawn at
 * a time in the background, so refills never pile up on a busy machine.
 */
export class GenericWorkerPool {
  private readonly ready = new Map<string, WorkerProcess[]>();
  private readonly wanted = new Map<string, { kind: RuntimeKind; memorySize: number; refs: number }>();
  private refillScheduled = false;
  private spawning = false;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly launchFor: LaunchFor,
  ) {}

  /** Keep generic workers of this kind and heap size warm (reference counted). */
  retain(kind: RuntimeKind, memorySize: number): void {
    const key = poolKey(kind, memorySize);
    const w = this.wanted.get(key);
    if (w) w.refs++;
    else this.wanted.set(key, { kind, memorySize: kind === 'node' ? memorySize : 0, refs: 1 });
    this.scheduleRefill();
  }

  release(kind: RuntimeKind, memorySize: number): void {
    const key = poolKey(kind, memorySize);
    const w = this.wanted.get(key);
    if (!w) return;
    if (--w.refs > 0) return;
    this.wanted.delete(key);
    for (const worker of this.ready.get(key) ?? []) void worker.stop();
    this.ready.delete(key);
  }

  /** A started (or starting) generic worker; spawns one if none is ready. */
  take(kind: RuntimeKind, memorySize: number): WorkerProcess {
    const key = poolKey(kind, memorySize);
    const list = this.ready.get(key);
    let worker: WorkerProcess | undefined;
    while (list && list.length > 0 && !worker) {
      const w = list.shift()!;
      if (w.isAlive) worker = w;
    }
    this.scheduleRefill();
    if (worker) {
      worker.onExit = undefined;
      return worker;
    }
    return new WorkerProcess(this.launchFor(kind, kind === 'node' ? memorySize : 0));
  }

  get idleCount(): number {
    let n = 0;
    for (const list of this.ready.values()) n += list.length;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.ready.values()].flat();
    this.ready.clear();
    await Promise.all(all.map((w) => w.stop()));
  }

  private scheduleRefill(): void {
    if (this.refillScheduled || this.closed || this.size <= 0) return;
    this.refillScheduled = true;
    setImmediate(() => {
      this.refillScheduled = false;
      this.refillOne();
    });
  }

  private refillOne(): void {
    if (this.closed || this.spawning) return;
    for (const [key, want] of this.wanted) {
      const list = this.ready.get(key) ?? [];
      this.ready.set(key, list);
      if (list.length >= this.size) continue;
      this.spawning = true;
      const worker = new WorkerProcess(this.launchFor(want.kind, want.memorySize));
      worker.onExit = (w) => {
        const l = this.ready.get(key);
        const i = l ? l.indexOf(w) : -1;
        if (l && i >= 0) l.splice(i, 1);
      };
      list.push(worker);
      // Next spawn once this one is up (or dead), so at most one generic worker starts at a time.
      void Promise.race([worker.whenReady(), worker.exited]).then(() => {
        this.spawning = false;
        this.scheduleRefill();
      });
      return;
    }
  }
}

function poolKey(kind: RuntimeKind, memorySize: number): string {
  return kind === 'node' ? `node:${memorySize}` : kind;
}
