/** Log lines and messages worded exactly as Lambda writes them. */
import type { InvocationReport } from './types.js';

export function startLine(requestId: string, version: string): string {
  return `START RequestId: ${requestId} Version: ${version}`;
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

export interface ReportFields {
  readonly requestId: string;
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly memorySize: number;
  readonly maxMemoryUsedMB: number;
  readonly initDurationMs?: number;
  readonly status?: 'timeout' | 'error';
}

/** `REPORT RequestId: … Duration: 1.23 ms Billed Duration: 2 ms …`, fields tab-separated as in CloudWatch. */
export function reportLine(f: ReportFields): string {
  let line =
    `REPORT RequestId: ${f.requestId}\tDuration: ${f.durationMs.toFixed(2)} ms\tBilled Duration: ${f.billedDurationMs} ms` +
    `\tMemory Size: ${f.memorySize} MB\tMax Memory Used: ${f.maxMemoryUsedMB} MB`;
  if (f.initDurationMs !== undefined) line += `\tInit Duration: ${f.initDurationMs.toFixed(2)} ms`;
  if (f.status) line += `\tStatus: ${f.status}`;
  return line;
}

/** A log record's lines: its message, or for an invocation record its START, END and REPORT lines. */
export function expandLogRecord(record: {
  readonly version: string;
  readonly requestId?: string;
  readonly message: string;
  readonly invocation?: InvocationReport;
}): string[] {
  const r = record.invocation;
  if (!r || record.requestId === undefined) return [record.message];
  const requestId = record.requestId;
  return [startLine(requestId, record.version), endLine(requestId), reportLine({ requestId, ...r })];
}

/** Lambda bills in 1 ms increments, at least 1 ms. */
export function billedDuration(durationMs: number): number {
  return Math.max(1, Math.ceil(durationMs));
}

export function timeoutMessage(timeoutMs: number): string {
  return `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`;
}

/** `2024/05/01/[3]4f1c…`: date, version, worker. */
export function logStreamName(version: string, workerId: number, now = new Date()): string {
  const d = now.toISOString().slice(0, 10).replace(/-/g, '/');
  return `${d}/[${version}]${workerId.toString(16).padStart(8, '0')}${Math.random().toString(16).slice(2, 10)}`;
}
