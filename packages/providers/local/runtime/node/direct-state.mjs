// The state record of a worker serving connections itself: which request it runs, from which connection, since
// when. The engine reads it from the state file (fd 5) on a timer (timeouts) and when the worker dies (the
// request gets its 502). Writing the file for every request costs a system call each (measured: a tenth of a
// short request), so the main thread only writes shared memory, and a small watchdog thread copies a running
// request to the file when it sees one (every 3 ms while requests come, backing off to 50 ms when idle): a
// request that takes longer than that is always in the file. `process.exit()` in a handler writes it at once
// ('exit' handler). What can still go unrecorded is a request the process is killed in (out of memory, SIGKILL)
// before the watchdog's next look: its client then sees the connection close instead of a 502.
import { writeSync } from 'node:fs';
import { Worker, isMainThread, workerData } from 'node:worker_threads';

const RECORD_BYTES = 128;
/**
 * Int32 slots: 0 started sequence (odd while the main thread writes the record, even when it is whole), 1 the
 * sequence of the last finished request, 2 connection id, 3 request id length, 4 the sequence the watchdog last
 * wrote to the file as running.
 */
const SLOTS = 5;
const STARTED_OFFSET = 24; // a Float64 start time, after the slots (8-byte aligned)
const ID_OFFSET = STARTED_OFFSET + 8;
const ID_BYTES = 64;
const WATCH_INTERVAL_MS = 3;

/** The shared record's views. */
function viewsOf(sab) {
  return {
    slots: new Int32Array(sab, 0, SLOTS),
    started: new Float64Array(sab, STARTED_OFFSET, 1),
    idBytes: new Uint8Array(sab, ID_OFFSET, ID_BYTES),
  };
}

/** A fixed-size record: `<startedAt> <cid> <id>` (running) or `0 0 <id>` (done), padded with spaces. */
function writeRecordTo(write, text) {
  const record = Buffer.alloc(RECORD_BYTES, 0x20);
  record.write(text, 0, 'latin1');
  write(record);
}

/**
 * The main thread's side: `begin(id, cid, startedAt)` before a request runs, `end()` once it is done (before its
 * answer is written). `write(record)` writes the state file.
 */
export function createStateRecord(sab, write) {
  const { slots, started } = viewsOf(sab);
  // The id is copied in one call: character by character, a request id made by concatenation costs a runtime call
  // per character.
  const idBuffer = Buffer.from(sab, ID_OFFSET, ID_BYTES);
  let seq = 0;
  let running = null;
  return {
    get running() {
      return running;
    },
    begin(id, cid, startedAt) {
      running = { id, cid, startedAt };
      Atomics.store(slots, 0, ++seq);
      started[0] = startedAt;
      Atomics.store(slots, 2, cid);
      Atomics.store(slots, 3, idBuffer.write(id, 0, ID_BYTES, 'latin1'));
      Atomics.store(slots, 0, ++seq);
    },
    /** The request is done: if the file says it runs, it says so no more (before its answer is written). */
    end() {
      const id = running.id;
      running = null;
      Atomics.store(slots, 1, seq);
      if (Atomics.load(slots, 4) === seq) writeRecordTo(write, `0 0 ${id}`);
    },
  };
}

/**
 * The watchdog's side: each `look()` copies a request that runs to the file. Returns whether a request started
 * since the previous look (the watchdog looks less often when none did).
 */
export function createWatcher(sab, write) {
  const { slots, started, idBytes } = viewsOf(sab);
  let written = 0;
  let lastSeen = -1;
  return function look() {
    const seq = Atomics.load(slots, 0);
    const active = seq !== lastSeen;
    lastSeen = seq;
    // Odd: the main thread is writing the record (a sequence lock).
    if (seq % 2 === 1 || seq === written || seq === Atomics.load(slots, 1)) return active;
    const at = started[0];
    const cid = Atomics.load(slots, 2);
    const id = Buffer.from(idBytes.subarray(0, Atomics.load(slots, 3))).toString('latin1');
    // The main thread may have moved on while this was read: write only a consistent record.
    if (Atomics.load(slots, 0) !== seq) return active;
    Atomics.store(slots, 4, seq);
    writeRecordTo(write, `${at} ${cid} ${id}`);
    written = seq;
    // Finished while this was written (it, and maybe later ones too: the sequence only grows), the main thread
    // may have seen slot 4 before this stored it and written no "done": the file must end so. Either this sees
    // the finish here, or the main thread sees slot 4 when it finishes (both store, then load): never neither.
    if (((Atomics.load(slots, 1) - seq) | 0) >= 0) writeRecordTo(write, `0 0 ${id}`);
    return active;
  };
}

/** The watchdog thread's loop (this module, run as a worker thread by createDirectState). */
function watchdogLoop({ sab, fd }) {
  const look = createWatcher(sab, (record) => writeSync(fd, record, 0, record.length, 0));
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  let wait = WATCH_INTERVAL_MS;
  for (;;) {
    Atomics.wait(sleeper, 0, 0, wait);
    let active;
    try {
      active = look();
    } catch {
      return; // the engine is gone
    }
    // Idle (no request started since the last look): look less often, up to every 50 ms.
    wait = active ? WATCH_INTERVAL_MS : Math.min(wait * 2, 50);
  }
}
if (!isMainThread && workerData?.directStateWatchdog) watchdogLoop(workerData);

export function createDirectState(fd) {
  const sab = new SharedArrayBuffer(ID_OFFSET + ID_BYTES);
  const write = (record) => {
    try {
      writeSync(fd, record, 0, record.length, 0);
    } catch {
      // the engine is gone
    }
  };
  const state = createStateRecord(sab, write);
  const watchdog = new Worker(new URL(import.meta.url), {
    workerData: { directStateWatchdog: true, sab, fd },
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
    stdout: false,
    stderr: false,
  });
  // It must not keep the process alive (callbackWaitsForEmptyEventLoop waits for an empty loop).
  watchdog.unref();
  process.on('exit', () => {
    const r = state.running;
    if (r) writeRecordTo(write, `${r.startedAt} ${r.cid} ${r.id}`);
  });
  return { begin: state.begin, end: state.end };
}
