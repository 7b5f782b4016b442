/**
 * The stored log line of a quiet invocation (a success that wrote nothing: most HTTP requests), as the log store
 * keeps it: one JSON line standing for its START, END and REPORT lines (`LogRecord.invocation`). A front worker
 * writes these lines itself (runtime/node/bootstrap.mjs) and the daemon appends them as they come, without
 * parsing or building a record per request. The text is `JSON.stringify` of the record, fields in this order.
 */
import { billedDuration } from './lambda-format.js';
import type { LogRecord } from './types.js';

export type QuietLine = (timestamp: number, requestId: string, durationMs: number, maxMemoryUsedMB: number) => string;

/** Request ids these lines may carry as they are (no JSON escaping needed): UUIDs and the like. */
export const PLAIN_REQUEST_ID = /^[0-9A-Za-z-]+$/;

/**
 * The line writer of one function version. `requestId` must match PLAIN_REQUEST_ID, and `durationMs` be a
 * finite number (it is written as JSON writes it).
 */
export function quietLineWriter(functionName: string, version: string, memorySize: number): QuietLine {
  const fixed = `,"function":${JSON.stringify(functionName)},"version":${JSON.stringify(version)},"requestId":"`;
  // `" Version: <version>"` inside the message string, escaped once.
  const versionPart = JSON.stringify(` Version: ${version}`).slice(1, -1);
  const memory = `,"memorySize":${memorySize},"maxMemoryUsedMB":`;
  return (timestamp, requestId, durationMs, maxMemoryUsedMB) =>
    `{"timestamp":${timestamp}${fixed}${requestId}","message":"START RequestId: ${requestId}${versionPart}","invocation":{"durationMs":${durationMs},"billedDurationMs":${billedDuration(durationMs)}${memory}${maxMemoryUsedMB}}}\n`;
}

/** Records of stored lines (for a log listener that takes records): one per line. */
export function parseStoredLines(lines: Buffer): LogRecord[] {
  const records: LogRecord[] = [];
  for (const text of lines.toString('utf8').split('\n')) {
    if (text === '') continue;
    try {
      records.push(JSON.parse(text) as LogRecord);
    } catch {
      // Not a line of ours (the worker runs user code, which could write to its channel): skipped.
    }
  }
  return records;
}
