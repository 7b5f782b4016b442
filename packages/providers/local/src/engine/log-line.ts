/**
 * The stored form of quiet invocations (successes that wrote nothing: most HTTP requests), as the log store keeps
 * them: one JSON line per batch of a front worker's quiet invocations,
 * `{"function":…,"version":…,"memorySize":128,"quiet":[[timestamp,"requestId",durationMs,maxMemoryUsedMB],…]}`,
 * each entry standing for the invocation's START, END and REPORT lines. A front worker writes these lines itself
 * (runtime/node/bootstrap.mjs) and the daemon appends them as they come, without parsing them. About 70 bytes per
 * request instead of a record's 250: at tens of thousands of requests a second, the log writes are a large part of
 * the daemon's work. Every other line stored is one record (`LogRecord`, as `JSON.stringify` writes it).
 */
import { billedDuration, startLine } from './lambda-format.js';
import type { LogRecord } from './types.js';

/** Request ids these lines may carry as they are (no JSON escaping needed): UUIDs and the like. */
export const PLAIN_REQUEST_ID = /^[0-9A-Za-z-]+$/;

/** The text of a batch line of one function version: `head`, then `entry(…)` per invocation (comma-separated), then `tail`. */
export interface QuietBatchFormat {
  readonly head: string;
  /** One invocation: `[5,"id",1.5,40]`. */
  entry(timestamp: number, requestId: string, durationMs: number, maxMemoryUsedMB: number): string;
  readonly tail: string;
}

/** `requestId` must match PLAIN_REQUEST_ID, and `durationMs` be a finite number. */
export function quietBatchFormat(functionName: string, version: string, memorySize: number): QuietBatchFormat {
  return {
    head: `{"function":${JSON.stringify(functionName)},"version":${JSON.stringify(version)},"memorySize":${memorySize},"quiet":[`,
    entry: (timestamp, requestId, durationMs, maxMemoryUsedMB) =>
      `[${timestamp},"${requestId}",${durationMs},${maxMemoryUsedMB}]`,
    tail: ']}\n',
  };
}

/** The whole batch line of `entries` (for tests and tools; a front worker writes the parts as requests end). */
export function quietBatchLine(
  format: QuietBatchFormat,
  entries: readonly (readonly [number, string, number, number])[],
): string {
  return `${format.head}${entries.map((e) => format.entry(...e)).join(',')}${format.tail}`;
}

type QuietEntry = [number, string, number, number];

function isQuietBatch(
  value: object,
): value is { function: string; version: string; memorySize: number; quiet: unknown } {
  return Array.isArray((value as { quiet?: unknown }).quiet);
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
  const records: LogRecord[] = [];
  for (const e of value.quiet as unknown[]) {
    if (!isQuietEntry(e)) continue;
    const [timestamp, requestId, durationMs, maxMemoryUsedMB] = e;
    records.push({
      timestamp,
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
