import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogStore } from '../../src/daemon/log-store.js';
import { quietBatchFormat, quietBatchLine } from '../../src/engine/log-line.js';
import { tempDir } from './helpers.js';

const target = { service: 'svc', stage: 'dev', key: 'a' };

describe('log store', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('writes each line as the JSON of the stored line, whatever its characters', () => {
    const logs = new LogStore({ root: tmp.dir });
    logs.setTarget('svc-dev-a', target);
    const lines = [
      { timestamp: 1, function: 'svc-dev-a', version: '1', requestId: 'a1b2-c3', message: 'REPORT\tDuration: 1 ms' },
      { timestamp: 2, function: 'svc-dev-a', version: 'v"2', requestId: 'id "quoted"', message: 'é ☃ "x" \\ \n' },
      { timestamp: 3, function: 'svc-dev-a', version: '1', message: 'no request' },
    ];
    for (const line of lines) logs.append(line);
    logs.flush();
    const text = readFileSync(logs.fileFor(target), 'utf8');
    expect(text).toBe(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    logs.close();
  });

  it('stores an invocation record in one line and reads it back as its START, END and REPORT lines', () => {
    const logs = new LogStore({ root: tmp.dir });
    logs.setTarget('svc-dev-a', target);
    const followed: string[] = [];
    logs.follow(target, undefined, (line) => followed.push(line.message));
    logs.append({
      timestamp: 5,
      function: 'svc-dev-a',
      version: '3',
      requestId: 'r9',
      message: 'START RequestId: r9 Version: 3',
      invocation: { durationMs: 1.5, billedDurationMs: 2, memorySize: 128, maxMemoryUsedMB: 40, initDurationMs: 12 },
    });
    logs.flush();
    expect(readFileSync(logs.fileFor(target), 'utf8').trim().split('\n')).toHaveLength(1);
    const expected = [
      'START RequestId: r9 Version: 3',
      'END RequestId: r9',
      'REPORT RequestId: r9\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tInit Duration: 12.00 ms',
    ];
    expect(logs.query(target)).toEqual(
      expected.map((message) => ({ timestamp: 5, function: 'svc-dev-a', version: '3', requestId: 'r9', message })),
    );
    expect(followed).toEqual(expected);
    expect(logs.query({ ...target, filter: 'REPORT' }).map((l) => l.message)).toEqual([expected[2]]);
    logs.close();
  });

  it('stores JSON lines per function and answers by start time and filter', () => {
    const logs = new LogStore({ root: tmp.dir });
    logs.setTarget('svc-dev-a', target);
    logs.append({
      timestamp: 1000,
      function: 'svc-dev-a',
      version: '1',
      requestId: 'r1',
      message: 'START RequestId: r1',
    });
    logs.append({ timestamp: 2000, function: 'svc-dev-a', version: '1', requestId: 'r1', message: 'hello world' });
    logs.append({ timestamp: 3000, function: 'svc-dev-a', version: '2', message: 'goodbye' });
    expect(logs.query(target).map((l) => l.message)).toEqual(['START RequestId: r1', 'hello world', 'goodbye']);
    expect(logs.query({ ...target, startTime: 2000 }).map((l) => l.timestamp)).toEqual([2000, 3000]);
    expect(logs.query({ ...target, filter: 'world' })).toEqual([
      { timestamp: 2000, function: 'svc-dev-a', version: '1', requestId: 'r1', message: 'hello world' },
    ]);
    expect(logs.query({ ...target, limit: 1 }).map((l) => l.message)).toEqual(['goodbye']);
    logs.close();
    // Durable: a new store over the same directory reads them back.
    const again = new LogStore({ root: tmp.dir });
    expect(again.query(target)).toHaveLength(3);
    again.close();
  });

  it('lines are on disk by the next event-loop turn', async () => {
    const logs = new LogStore({ root: tmp.dir });
    logs.setTarget('svc-dev-a', target);
    logs.append({ timestamp: 1, function: 'svc-dev-a', version: '1', message: 'x' });
    await new Promise((r) => setImmediate(r));
    expect(statSync(logs.fileFor(target)).size).toBeGreaterThan(0);
    logs.close();
  });

  it('bounds each function to the retention size, keeping the newest lines', async () => {
    const logs = new LogStore({ root: tmp.dir, retentionBytes: 8192 });
    logs.setTarget('svc-dev-a', target);
    for (let i = 0; i < 2000; i++) {
      logs.append({ timestamp: i, function: 'svc-dev-a', version: '1', message: `line ${i} ${'x'.repeat(40)}` });
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    logs.flush();
    const dir = join(tmp.dir, 'svc', 'dev');
    const total = readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    expect(total).toBeLessThanOrEqual(8192);
    const lines = logs.query(target);
    expect(lines.at(-1)!.message).toMatch(/^line 1999 /);
    expect(lines[0]!.timestamp).toBeGreaterThan(1800);
    // Timestamps stay in order across the rotated file and the current one.
    expect(lines.map((l) => l.timestamp)).toEqual([...lines.map((l) => l.timestamp)].sort((a, b) => a - b));
    // A single burst bigger than the retention keeps its tail only.
    for (let i = 0; i < 500; i++)
      logs.append({
        timestamp: 10_000 + i,
        function: 'svc-dev-a',
        version: '1',
        message: `burst ${i} ${'y'.repeat(40)}`,
      });
    logs.flush();
    const total2 = readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    expect(total2).toBeLessThanOrEqual(8192);
    expect(logs.query(target).at(-1)!.message).toMatch(/^burst 499 /);
    logs.close();
  });

  it("stores a front worker's batch lines of quiet invocations as they come, read as the records they stand for", () => {
    const logs = new LogStore({ root: tmp.dir });
    logs.setTarget('svc-dev-a', target);
    const followed: string[] = [];
    logs.follow(target, undefined, (line) => followed.push(line.message));
    const format = quietBatchFormat('svc-dev-a', 'v"3', 128);
    const ids = ['0f5e1c1a-6b3e-4c43-9f2e-000000000001', '0f5e1c1a-6b3e-4c43-9f2e-000000000002'];
    const batch = quietBatchLine(format, [
      [5, ids[0], 1.5, 40],
      [6, ids[1], 0.072, 41],
    ]);
    logs.appendLines('svc-dev-a', Buffer.from(batch));
    logs.flush();
    // Stored as it came: one line for both.
    expect(readFileSync(logs.fileFor(target), 'utf8')).toBe(batch);
    // Read back as the lines of the records it stands for, as the store writes records themselves.
    const twin = new LogStore({ root: join(tmp.dir, 'twin') });
    twin.setTarget('svc-dev-a', target);
    [
      { timestamp: 5, id: ids[0], durationMs: 1.5, billedDurationMs: 2, maxMemoryUsedMB: 40 },
      { timestamp: 6, id: ids[1], durationMs: 0.072, billedDurationMs: 1, maxMemoryUsedMB: 41 },
    ].forEach((r) =>
      twin.append({
        timestamp: r.timestamp,
        function: 'svc-dev-a',
        version: 'v"3',
        requestId: r.id,
        message: `START RequestId: ${r.id} Version: v"3`,
        invocation: {
          durationMs: r.durationMs,
          billedDurationMs: r.billedDurationMs,
          memorySize: 128,
          maxMemoryUsedMB: r.maxMemoryUsedMB,
        },
      }),
    );
    expect(logs.query(target)).toEqual(twin.query(target));
    const expected = [
      `START RequestId: ${ids[0]} Version: v"3`,
      `END RequestId: ${ids[0]}`,
      `REPORT RequestId: ${ids[0]}\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB`,
      `START RequestId: ${ids[1]} Version: v"3`,
      `END RequestId: ${ids[1]}`,
      `REPORT RequestId: ${ids[1]}\tDuration: 0.07 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 41 MB`,
    ];
    expect(logs.query(target).map((l) => l.message)).toEqual(expected);
    expect(followed).toEqual(expected);
    // --startTime applies to each invocation of a batch.
    expect(logs.query({ ...target, startTime: 6 }).map((l) => l.message)).toEqual(expected.slice(3));
    logs.close();
    twin.close();
  });

  it('reads the per-invocation lines and batch lines earlier versions stored, between batch lines', () => {
    const dir = join(tmp.dir, 'svc', 'dev');
    mkdirSync(dir, { recursive: true });
    const old = {
      timestamp: 4,
      function: 'svc-dev-a',
      version: '1',
      requestId: 'id-0',
      message: 'START RequestId: id-0 Version: 1',
      invocation: { durationMs: 1, billedDurationMs: 1, memorySize: 128, maxMemoryUsedMB: 40 },
    };
    const format = quietBatchFormat('svc-dev-a', '1', 128);
    // Batch lines before timestamps became offsets and durations microseconds.
    const oldBatch = '{"function":"svc-dev-a","version":"1","memorySize":128,"quiet":[[6,"id-2",1.5,41]]}';
    writeFileSync(
      join(dir, 'a.log'),
      `${JSON.stringify(old)}\n${quietBatchLine(format, [[5, 'id-1', 1, 40]])}${oldBatch}\n`,
    );
    const logs = new LogStore({ root: tmp.dir });
    expect(logs.query({ ...target, filter: 'START' }).map((l) => [l.timestamp, l.requestId, l.message])).toEqual([
      [4, 'id-0', 'START RequestId: id-0 Version: 1'],
      [5, 'id-1', 'START RequestId: id-1 Version: 1'],
      [6, 'id-2', 'START RequestId: id-2 Version: 1'],
    ]);
    expect(logs.query({ ...target, filter: 'REPORT RequestId: id-2' }).map((l) => l.message)).toEqual([
      'REPORT RequestId: id-2\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 41 MB',
    ]);
    logs.close();
  });

  it('skips a line of a batch that is not JSON, and an entry that is not an invocation, for followers and when read', () => {
    const logs = new LogStore({ root: tmp.dir });
    logs.setTarget('svc-dev-a', target);
    const followed: string[] = [];
    logs.follow(target, 'START', (line) => followed.push(line.message));
    const format = quietBatchFormat('svc-dev-a', '1', 128);
    const first = quietBatchLine(format, [[1, 'id-1', 1, 40]]).replace(']]}', '],["x"]]}');
    logs.appendLines('svc-dev-a', Buffer.from(`${first}not json\n${quietBatchLine(format, [[2, 'id-2', 1, 40]])}`));
    const expected = ['START RequestId: id-1 Version: 1', 'START RequestId: id-2 Version: 1'];
    expect(followed).toEqual(expected);
    expect(logs.query({ ...target, filter: 'START' }).map((l) => l.message)).toEqual(expected);
    logs.close();
  });

  it('follow pushes new matching lines', () => {
    const logs = new LogStore({ root: tmp.dir });
    logs.setTarget('svc-dev-a', target);
    const seen: string[] = [];
    const stop = logs.follow(target, 'keep', (l) => seen.push(l.message));
    logs.append({ timestamp: 1, function: 'svc-dev-a', version: '1', message: 'keep 1' });
    logs.append({ timestamp: 2, function: 'svc-dev-a', version: '1', message: 'skip' });
    stop();
    logs.append({ timestamp: 3, function: 'svc-dev-a', version: '1', message: 'keep 2' });
    expect(seen).toEqual(['keep 1']);
    logs.close();
  });
});
