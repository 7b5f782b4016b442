/**
 * The stored form of quiet invocations (successes that wrote nothing: most HTTP requests), as the log store keeps
 * them: one JSON line per batch of a front worker's quiet invocations,
 * `{"function":…,"version":…,"memorySize":128,"t0":1764288000000,"q":[[startOffsetMs,"requestId",durationUs,maxMemoryUsedMB],…]}`,
 * each entry standing for the invocation's START, END and REPORT lines: it started `startOffsetMs` after `t0`
 * (epoch ms) and ran `durationUs` microseconds. A front worker writes these lines itself (runtime/node/bootstrap.mjs)
 * and the daemon appends them as they come, without parsing them. About 60 bytes per request instead of a record's
 * 250: at tens of thousands of requests a second, the log writes are a large part of the daemon's work. Every
 * number in an entry is a small integer, which JavaScript turns into text faster than an epoch timestamp or a
 * fraction (measured: a batch's text takes about 40% less time to make).
 * Earlier versions stored `"quiet":[[timestamp,"requestId",durationMs,maxMemoryUsedMB],…]`: still read. Every
 * other line stored is one record (`LogRecord`, as `JSON.stringify` writes it).
 */
import { billedDuration, startLine } from './lambda-format.js';
import type { LogRecord } from './types.js';

/** Request ids these lines may carry as they are (no JSON escaping needed): UUIDs and the like. */
export const PLAIN_REQUEST_ID = /^[0-9A-Za-z-]+$/;

/** The text of a batch line of one function version: `head(t0)`, then `entry(…)` per invocation (comma-separated), then `tail`. */
export interface QuietBatchFormat {
  /** The line up to its first entry; `t0`: epoch ms the entries' start offsets count from. */
  head(t0: number): string;
  /** One invocation: `[5,"id",1500,40]` (started 5 ms after t0, ran 1.5 ms). */
  entry(startOffsetMs: number, requestId: string, durationUs: number, maxMemoryUsedMB: number): string;
  readonly tail: string;
}

/** `requestId` must match PLAIN_REQUEST_ID; the numbers be integers. */
export function quietBatchFormat(functionName: string, version: string, memorySize: number): QuietBatchFormat {
  const fixed = `{"function":${JSON.stringify(functionName)},"version":${JSON.stringify(version)},"memorySize":${memorySize},"t0":`;
  return {
    head: (t0) => `${fixed}${t0},"q":[`,
    entry: (startOffsetMs, requestId, durationUs, maxMemoryUsedMB) =>
      `[${startOffsetMs},"${requestId}",${durationUs},${maxMemoryUsedMB}]`,
    tail: ']}\n',
  };
}

/**
 * The whole batch line of `entries` (`[timestamp, requestId, durationMs, maxMemoryUsedMB]`, in start order), for
 * tests and tools; a front worker writes the parts as requests end.
 */
export function quietBatchLine(
  format: QuietBatchFormat,
  entries: readonly (readonly [number, string, number, number])[],
): string {
  const t0 = entries[0]?.[0] ?? 0;
  const body = entries.map(([t, id, ms, mb]) => format.entry(t - t0, id, Math.round(ms * 1000), mb)).join(',');
  return `${format.head(t0)}${body}${format.tail}`;
}

type QuietEntry = [number, string, number, number];

/** A batch line: `q` with `t0` (durations in µs), or an earlier version's `quiet` (timestamps, durations in ms). */
interface QuietBatch {
  readonly function: string;
  readonly version: string;
  readonly memorySize: number;
  readonly t0?: unknown;
  readonly q?: unknown;
  readonly quiet?: unknown;
}

function isQuietBatch(value: object): value is QuietBatch {
  const v = value as QuietBatch;
  return (Array.isArray(v.q) && typeof v.t0 === 'number') || Array.isArray(v.quiet);
}

function isQuietEntry(e: unknown): e is QuietEntry {
  return (
    Array.isArray(e) &&
    typeof e[0] === 'number' &&
    typeof e[1] === 'string' &&
    typeof e[2] === 'number' &&
    typeof e[3] === 'number'
  );
}

/** The records one parsed stored line stands for: itself, or one per invocation of a batch line. */
export function recordsOfStoredLine(value: unknown): LogRecord[] {
  if (typeof value !== 'object' || value === null) return [];
  if (!isQuietBatch(value)) return [value as LogRecord];
  const { function: fn, version, memorySize } = value;
  const compact = Array.isArray(value.q);
  const t0 = compact ? (value.t0 as number) : 0;
  const records: LogRecord[] = [];
  for (const e of (compact ? value.q : value.quiet) as unknown[]) {
    if (!isQuietEntry(e)) continue;
    const [start, requestId, duration, maxMemoryUsedMB] = e;
    const durationMs = compact ? duration / 1000 : duration;
    records.push({
      timestamp: t0 + start,
      function: fn,
      version,
      requestId,
      message: startLine(requestId, version),
      invocation: { durationMs, billedDurationMs: billedDuration(durationMs), memorySize, maxMemoryUsedMB },
    });
  }
  return records;
}

/** Records of stored lines (for a log listener that takes records). */
export function parseStoredLines(lines: Buffer | string): LogRecord[] {
  const records: LogRecord[] = [];
  for (const text of (typeof lines === 'string' ? lines : lines.toString('utf8')).split('\n')) {
    if (text === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // Not a line of ours (the worker runs user code, which could write to its channel), or a torn last line
      // after a crash: skipped.
      continue;
    }
    for (const record of recordsOfStoredLine(value)) records.push(record);
  }
  return records;
}
