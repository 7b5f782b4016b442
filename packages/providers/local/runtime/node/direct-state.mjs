// The state record of a worker serving connections itself: which request it runs, from which connection, since
// when. The engine reads it from the state file (fd 5) on a timer (timeouts) and when the worker dies (the
// request gets its 502). Writing the file for every request costs a system call each (measured: a tenth of a
// short request), so the main thread only writes shared memory, and a small watchdog thread copies a running
// request to the file when it sees one (every 3 ms while requests come, backing off to 50 ms when idle): a
// request that takes longer than that is always in the file. `process.exit()` in a handler writes it at once
// ('exit' handler). What can still go unrecorded is a request the process is killed in (out of memory, SIGKILL)
// before the watchdog's next look: its client then sees the connection close instead of a 502.
import { writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

const RECORD_BYTES = 128;
/**
 * Int32 slots: 0 started sequence (odd while the main thread writes the record, even when it is whole), 1 the
 * sequence of the last finished request, 2 connection id, 3 request id length, 4 the sequence the watchdog last
 * wrote to the file as running.
 */
const SLOTS = 5;
const STARTED_OFFSET = 24; // a Float64 start time, after the slots (8-byte aligned)
const ID_OFFSET = STARTED_OFFSET + 8;
const WATCH_INTERVAL_MS = 3;

const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { sab, fd, idOffset, startedOffset, recordBytes, intervalMs } = workerData;
const slots = new Int32Array(sab, 0, 5);
const started = new Float64Array(sab, startedOffset, 1);
const idBytes = new Uint8Array(sab, idOffset, 64);
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const record = Buffer.alloc(recordBytes, 0x20);
let written = 0;
let lastSeen = -1;
let wait = intervalMs;
for (;;) {
  Atomics.wait(sleeper, 0, 0, wait);
  const seq = Atomics.load(slots, 0);
  // Idle (no request started since the last look): look less often, up to every 50 ms.
  wait = seq === lastSeen ? Math.min(wait * 2, 50) : intervalMs;
  lastSeen = seq;
  // Odd: the main thread is writing the record (a sequence lock).
  if (seq % 2 === 1 || seq === written || seq === Atomics.load(slots, 1)) continue;
  const at = started[0];
  const cid = Atomics.load(slots, 2);
  const id = Buffer.from(idBytes.subarray(0, Atomics.load(slots, 3))).toString('latin1');
  // The main thread may have moved on while this was read: write only a consistent record.
  if (Atomics.load(slots, 0) !== seq) continue;
  record.fill(0x20);
  record.write(at + ' ' + cid + ' ' + id, 0, 'latin1');
  Atomics.store(slots, 4, seq);
  try { writeSync(fd, record, 0, recordBytes, 0); } catch { break; }
  written = seq;
  // Finished while this was written: the main thread may have written "done" first; the file must end so.
  if (Atomics.load(slots, 1) === seq) {
    record.fill(0x20);
    record.write('0 0 ' + id, 0, 'latin1');
    try { writeSync(fd, record, 0, recordBytes, 0); } catch { break; }
  }
}
`;

export function createDirectState(fd) {
  const sab = new SharedArrayBuffer(ID_OFFSET + 64);
  const slots = new Int32Array(sab, 0, SLOTS);
  const started = new Float64Array(sab, STARTED_OFFSET, 1);
  const idBytes = new Uint8Array(sab, ID_OFFSET, 64);
  let seq = 0;
  let running = null;
  const watchdog = new Worker(WATCHDOG, {
    eval: true,
    workerData: {
      sab,
      fd,
      idOffset: ID_OFFSET,
      startedOffset: STARTED_OFFSET,
      recordBytes: RECORD_BYTES,
      intervalMs: WATCH_INTERVAL_MS,
    },
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
    stdout: false,
    stderr: false,
  });
  // It must not keep the process alive (callbackWaitsForEmptyEventLoop waits for an empty loop).
  watchdog.unref();

  const write = (text) => {
    const record = Buffer.alloc(RECORD_BYTES, 0x20);
    record.write(text, 0, 'latin1');
    try {
      writeSync(fd, record, 0, RECORD_BYTES, 0);
    } catch {
      // the engine is gone
    }
  };
  process.on('exit', () => {
    if (running) write(`${running.startedAt} ${running.cid} ${running.id}`);
  });

  return {
    begin(id, cid, startedAt) {
      running = { id, cid, startedAt };
      Atomics.store(slots, 0, ++seq);
      started[0] = startedAt;
      Atomics.store(slots, 2, cid);
      Atomics.store(slots, 3, idBytes.length < id.length ? idBytes.length : id.length);
      for (let i = 0; i < id.length && i < idBytes.length; i++) idBytes[i] = id.charCodeAt(i);
      Atomics.store(slots, 0, ++seq);
    },
    /** The request is done: if the file says it runs, it says so no more (before its answer is written). */
    end() {
      const id = running.id;
      running = null;
      Atomics.store(slots, 1, seq);
      if (Atomics.load(slots, 4) === seq) write(`0 0 ${id}`);
    },
  };
}
