import { randomUUID } from 'node:crypto';
import type { CompiledSchedule } from './schedule-expression.js';

/** Time as the scheduler sees it; injectable so tests do not wait for minutes. */
export interface SchedulerClock {
  now(): number;
  /** Call `fn` after `ms` of this clock's time; returns a cancel function. */
  setTimer(fn: () => void, ms: number): () => void;
}

const MAX_TIMER = 2 ** 31 - 1;

/**
 * The wall clock, optionally running `speedup` times faster (an internal test knob: the
 * daemon reads it from SKYRUN_INTERNAL_SCHEDULE_SPEEDUP so a spawned daemon's `rate(1 minute)`
 * fires every second).
 */
export function systemClock(speedup = 1): SchedulerClock {
  const origin = Date.now();
  return {
    now: () => (speedup === 1 ? Date.now() : origin + (Date.now() - origin) * speedup),
    setTimer(fn, ms) {
      let timer: NodeJS.Timeout;
      let remaining = ms / speedup;
      const arm = () => {
        const step = Math.min(remaining, MAX_TIMER);
        remaining -= step;
        timer = setTimeout(() => (remaining > 0 ? arm() : fn()), Math.max(0, step));
        timer.unref?.();
      };
      arm();
      return () => clearTimeout(timer);
    },
  };
}

export interface ScheduleJob {
  /** Unique within its group. */
  readonly id: string;
  readonly functionName: string;
  readonly schedule: CompiledSchedule;
  readonly anchor: number;
  readonly input?: unknown;
  readonly ruleName: string;
  readonly region: string;
}

/** The EventBridge "Scheduled Event" a rule sends (or the rule's `input` in its place). */
export function scheduledEvent(job: ScheduleJob, time: number): unknown {
  if (job.input !== undefined) return job.input;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: job.region,
    resources: [`arn:aws:events:${job.region}:000000000000:rule/${job.ruleName}`],
    detail: {},
  };
}

/** Arms one timer per job; groups (a service+stage) are replaced as a whole on deploy. */
export class Scheduler {
  readonly #groups = new Map<string, Map<string, () => void>>();

  constructor(
    readonly clock: SchedulerClock,
    readonly fire: (job: ScheduleJob, time: number) => void,
  ) {}

  set(group: string, jobs: readonly ScheduleJob[]): void {
    this.clear(group);
    const cancels = new Map<string, () => void>();
    this.#groups.set(group, cancels);
    for (const job of jobs) this.#arm(cancels, job, this.clock.now());
  }

  clear(group: string): void {
    const cancels = this.#groups.get(group);
    if (!cancels) return;
    for (const cancel of cancels.values()) cancel();
    this.#groups.delete(group);
  }

  /** Jobs armed now, per group (for status and tests). */
  count(): number {
    let n = 0;
    for (const g of this.#groups.values()) n += g.size;
    return n;
  }

  close(): void {
    for (const group of [...this.#groups.keys()]) this.clear(group);
  }

  #arm(cancels: Map<string, () => void>, job: ScheduleJob, after: number): void {
    const at = job.schedule.next(after, job.anchor);
    if (at === undefined) {
      cancels.delete(job.id);
      return;
    }
    const cancel = this.clock.setTimer(
      () => {
        if (![...this.#groups.values()].includes(cancels)) return;
        try {
          this.fire(job, at);
        } finally {
          this.#arm(cancels, job, Math.max(at, this.clock.now() - 1));
        }
      },
      Math.max(0, at - this.clock.now()),
    );
    cancels.set(job.id, cancel);
  }
}
