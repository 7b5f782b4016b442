// skyrun local worker (Node.js). Started with a minimal environment as a *generic* worker, it waits on fd 3
// for a `load` frame (function environment, code directory, handler), then serves one invocation at a time.
// Protocol on fd 3 (a socketpair set up by the engine; stdout/stderr stay the function's own output):
// frames of a 4-byte big-endian length followed by that many bytes of UTF-8 JSON; or, when the first byte is
// 0x01, that byte, the JSON's length (4 bytes), the JSON and raw bytes (an HTTP request or response body).
// An `http` frame carries an HTTP request: the event is built here and the result mapped to the response here
// (http-adapter.mjs), so the engine forwards bytes and writes bytes.
import net from 'node:net';
import { invokeHandler, loadHandler, serializeResult, toErrorPayload } from './handler-runtime.mjs';
import { buildHttpEvent, malformedReason, mapHttpResult } from './http-adapter.mjs';

const channel = new net.Socket({ fd: 3, readable: true, writable: true });
let handler = null;
let meta = null;
let current = null; // request id in flight

// Bytes written to stdout/stderr so far: sent with every result so the engine can attribute every line
// of an invocation to it before writing END/REPORT.
let outBytes = 0;
let errBytes = 0;
function countWrites(stream, add) {
  const write = stream.write;
  stream.write = function countedWrite(chunk, encoding, cb) {
    add(
      typeof chunk === 'string'
        ? Buffer.byteLength(chunk, typeof encoding === 'string' ? encoding : 'utf8')
        : chunk.length,
    );
    return write.call(this, chunk, encoding, cb);
  };
}
countWrites(process.stdout, (n) => (outBytes += n));
countWrites(process.stderr, (n) => (errBytes += n));

// Results of invocations that finish in one event-loop turn (short handlers queued behind each other) leave in
// one write, so the engine wakes up once for them.
let corked = false;
function uncork() {
  corked = false;
  channel.uncork();
}
// Results of requests this worker read from connections itself (front.mjs) are not awaited by anyone (the
// client has its answer): they leave every few milliseconds, together, so the engine wakes up once for many. Any
// other frame takes them along first, so frames keep their order.
const LAZY_FLUSH_MS = 2;
// Quiet requests' batch (below) alone waits longer: each frame costs the engine a wake-up and the log store a
// write whatever its size (about 0.1 ms together), which at tens of thousands of requests a second is a good
// share of the engine's work. Their log lines still appear within this.
const QUIET_FLUSH_MS = 10;
/**
 * Frames waiting to leave, encoded together when they do (one buffer and one write for all): JSON texts, and
 * `{ json, bytes }` for a quiet frame (`bytes`: its batch log line, a string).
 */
let lazy = [];
let lazyTimer = null;
/** When the pending flush runs (epoch ms), for a frame that must leave sooner. */
let lazyDue = 0;
function scheduleFlush(ms) {
  const due = Date.now() + ms;
  if (lazyTimer !== null) {
    if (lazyDue <= due) return;
    clearTimeout(lazyTimer);
  }
  lazyDue = due;
  lazyTimer = setTimeout(flushLazy, ms);
}
/**
 * Quiet requests (successes that wrote nothing) since the last frame, for their batch log line as the log store
 * keeps it (engine/log-line.ts), which the engine appends as it is, with one `quiet` frame for all. Only their
 * values are kept per request (in arrays reused from batch to batch); the line's text is made once per batch:
 * a string and a write into a buffer per request cost a few percent of a short request.
 */
const quiet = { count: 0, times: [], ids: [], durationsUs: [], memory: [], entries: [] };
function writeLazy(json) {
  sealQuiet();
  lazy.push(json);
  scheduleFlush(LAZY_FLUSH_MS);
}
/** `durationUs`: the handler's run time in whole microseconds. */
function addQuiet(startedAt, requestId, durationUs, maxMemoryMB) {
  const i = quiet.count++;
  quiet.times[i] = startedAt;
  quiet.ids[i] = requestId;
  quiet.durationsUs[i] = durationUs;
  quiet.memory[i] = maxMemoryMB;
  if (lazyTimer === null) scheduleFlush(QUIET_FLUSH_MS);
}
function sealQuiet() {
  const n = quiet.count;
  if (n === 0) return;
  quiet.count = 0;
  const { times, ids, durationsUs, memory, entries } = quiet;
  const t0 = times[0];
  // Small integers only (offsets from t0, microseconds): see engine/log-line.ts.
  for (let i = 0; i < n; i++) entries[i] = quietBatch.entry(times[i] - t0, ids[i], durationsUs[i], memory[i]);
  entries.length = n;
  const line = quietBatch.head(t0) + entries.join(',') + quietBatch.tail;
  // The engine judges run times by the latest few: those, in ms.
  let d = '';
  for (let i = Math.max(0, n - quietFrameDurations); i < n; i++) d += (d === '' ? '' : ',') + durationsUs[i] / 1000;
  const last = ids[n - 1];
  // The ids and entries are not kept beyond their batch.
  ids.length = 0;
  entries.length = 0;
  lazy.push({ json: `{"t":"quiet","d":[${d}],"m":${memory[n - 1]},"last":"${last}"}`, bytes: line });
}
/** Encodes the waiting frames into one buffer and writes it: JSON texts, and `{ json, bytes }` (bytes: a string). */
function flushLazy() {
  if (lazyTimer !== null) clearTimeout(lazyTimer);
  lazyTimer = null;
  sealQuiet();
  const entries = lazy;
  lazy = [];
  let size = 0;
  const lengths = entries.map((e) => {
    if (typeof e === 'string') {
      const n = Buffer.byteLength(e, 'utf8');
      size += 4 + n;
      return n;
    }
    const n = Buffer.byteLength(e.json, 'utf8');
    e.size = Buffer.byteLength(e.bytes, 'utf8');
    size += 9 + n + e.size;
    return n;
  });
  const frames = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (typeof e === 'string') {
      frames.writeUInt32BE(lengths[i], at);
      frames.write(e, at + 4, lengths[i], 'utf8');
      at += 4 + lengths[i];
      continue;
    }
    frames.writeUInt32BE(5 + lengths[i] + e.size, at);
    frames[at + 4] = 1;
    frames.writeUInt32BE(lengths[i], at + 5);
    frames.write(e.json, at + 9, lengths[i], 'utf8');
    frames.write(e.bytes, at + 9 + lengths[i], e.size, 'utf8');
    at += 9 + lengths[i] + e.size;
  }
  writeNow(frames);
}

function write(frame) {
  if (lazy.length > 0) flushLazy();
  writeNow(frame);
}

function writeNow(frame) {
  if (!corked) {
    corked = true;
    channel.cork();
    setImmediate(uncork);
  }
  channel.write(frame);
}

function send(obj) {
  const body = Buffer.from(JSON.stringify(obj), 'utf8');
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, 4);
  write(frame);
}

function sendWithBytes(json, bytes) {
  const jsonLen = Buffer.byteLength(json, 'utf8');
  const bytesLen = typeof bytes === 'string' ? Buffer.byteLength(bytes, 'utf8') : bytes.length;
  const frame = Buffer.allocUnsafe(9 + jsonLen + bytesLen);
  frame.writeUInt32BE(5 + jsonLen + bytesLen, 0);
  frame[4] = 1;
  frame.writeUInt32BE(jsonLen, 5);
  frame.write(json, 9, jsonLen, 'utf8');
  if (typeof bytes === 'string') frame.write(bytes, 9 + jsonLen, bytesLen, 'utf8');
  else bytes.copy(frame, 9 + jsonLen);
  write(frame);
}

function sendRaw(prefix, json, suffix) {
  const text = prefix + json + suffix;
  const len = Buffer.byteLength(text, 'utf8');
  const frame = Buffer.allocUnsafe(4 + len);
  frame.writeUInt32BE(len, 0);
  frame.write(text, 4, len, 'utf8');
  write(frame);
}

// getrusage per invocation is a good share of a sub-millisecond invocation's cost: the peak is re-read after
// any invocation that ran 1 ms or longer, and otherwise at most every 10 ms (a peak only grows, and a
// sub-millisecond handler cannot grow it by much).
let maxRss = 0;
let maxRssAt = -Infinity;
/** `now`: Date.now(), when the caller has it already. */
function maxRssMB(handlerMs = Infinity, now = Date.now()) {
  if (handlerMs >= 1 || now - maxRssAt >= 10) {
    maxRss = Math.ceil(process.resourceUsage().maxRSS / 1024);
    maxRssAt = now;
  }
  return maxRss;
}

let emptyLoopFn = null;
// The client connections of a front worker must not keep the loop alive either (front.mjs).
const hooks = {
  onEmptyLoop(fn) {
    emptyLoopFn = fn;
    channel.unref();
    front?.setLoopHold(false);
  },
  cancelEmptyLoop() {
    if (emptyLoopFn) {
      emptyLoopFn = null;
      channel.ref();
      front?.setLoopHold(true);
    }
  },
};
process.on('beforeExit', () => {
  const fn = emptyLoopFn;
  if (fn) {
    emptyLoopFn = null;
    channel.ref();
    front?.setLoopHold(true);
    fn();
  }
});

async function onLoad(msg) {
  const started = performance.now();
  // The function's environment must be in place before its module (and its imports) evaluate.
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, msg.env);
  try {
    process.chdir(msg.codeDir);
    meta = {
      functionName: msg.functionName,
      functionVersion: msg.functionVersion,
      memorySize: msg.memorySize,
      region: msg.region,
      logGroupName: msg.logGroupName,
      logStreamName: msg.logStreamName,
    };
    handler = await loadHandler(msg.codeDir, msg.handler);
    send({ t: 'loaded', ok: true, initMs: performance.now() - started, o: outBytes, e: errBytes });
  } catch (err) {
    send({ t: 'loaded', ok: false, error: toErrorPayload(err), o: outBytes, e: errBytes });
  }
}

/**
 * Runs one invocation: the event (or, for an HTTP request, the event built from it), the handler, and for an
 * HTTP request the response mapped from its result. Calls `done(outcome, response, ms)` once: `outcome`
 * `{ ok, result | error }`, `response` (HTTP; undefined when malformed), `ms` the handler's run time. A callback
 * (not a promise) so that a short request's answer leaves from the handler's settlement.
 */
function execute(id, deadline, http, body, event, clientContext, done) {
  current = id;
  const t0 = performance.now();
  const settled = (outcome) => {
    current = null;
    const ms = performance.now() - t0;
    let response;
    if (outcome.ok && http) {
      try {
        response = mapHttpResult(http.v, outcome.result);
        // The gateway answers 502: the function's log says why (before its result, so it is this request's line).
        if (response === undefined) {
          process.stderr.write(
            `skyrun: Malformed Lambda proxy response, answered 502: ${malformedReason(http.v, outcome.result)}\n`,
          );
        }
      } catch (err) {
        outcome = {
          ok: false,
          error: {
            errorType: 'Runtime.MarshalError',
            errorMessage: `Unable to stringify response body: ${err && err.message}`,
            stackTrace: [],
          },
        };
      }
    }
    done(outcome, response, ms);
  };
  let input;
  try {
    input = http ? buildHttpEvent(http, body) : event;
  } catch (err) {
    settled({ ok: false, error: toErrorPayload(err) });
    return;
  }
  invokeHandler(handler, input, meta, id, deadline, clientContext, hooks, settled);
}

function sendFailure(id, error, ms) {
  send({ t: 'result', id, ok: false, error, o: outBytes, e: errBytes, m: maxRssMB(), d: Number(ms.toFixed(3)) });
}

async function onInvoke(msg) {
  // The timeout runs from here: an invocation may have waited in the channel behind the previous one.
  const deadline = msg.deadline ?? Date.now() + msg.timeoutMs;
  const http = msg.t === 'http' ? msg.r : null;
  const { outcome, response, ms } = await new Promise((resolve) =>
    execute(msg.id, deadline, http, msg.body, msg.event, msg.clientContext, (o, r, t) =>
      resolve({ outcome: o, response: r, ms: t }),
    ),
  );
  invoked = true;
  const d = ms.toFixed(3);
  if (outcome.ok && http) {
    const head = `{"t":"result","id":${JSON.stringify(msg.id)},"ok":true,"o":${outBytes},"e":${errBytes},"m":${maxRssMB(ms)},"d":${d},"http":`;
    if (response === undefined) sendWithBytes(`${head}null}`, '');
    else
      sendWithBytes(
        `${head}{"statusCode":${response.statusCode},"headers":${JSON.stringify(response.headers)}}}`,
        response.body,
      );
    return;
  }
  if (outcome.ok) {
    const ser = serializeResult(outcome.result);
    if (ser.ok) {
      sendRaw(
        `{"t":"result","id":${JSON.stringify(msg.id)},"ok":true,"o":${outBytes},"e":${errBytes},"m":${maxRssMB(ms)},"d":${d},"payload":`,
        ser.json,
        '}',
      );
      return;
    }
    sendFailure(msg.id, ser.error, ms);
    return;
  }
  sendFailure(msg.id, outcome.error, ms);
}

// ---------------------------------------------------------------- serving HTTP connections directly (front.mjs)
// The engine may hand this worker client connections of an api (Node IPC, fd of the `ipc` stdio): the worker then
// parses HTTP and runs its own function's requests itself, one at a time, telling the engine when each starts
// (so its timeout, logs and crash handling stay the engine's) and forwarding every other request to it.
let front = null;
let directBusy = false;

/** True when nothing runs or waits here: a request read from a connection may run now. */
function idle() {
  return !directBusy && !draining && inbox.length === 0;
}

/** The state record of the request running from a connection (direct-state.mjs), created with the front. */
let directState = null;
/** The format of the stored batch line of quiet requests (engine/log-line.ts), made with the front. */
let quietBatch = null;
/** How many of a batch's run times its `quiet` frame carries (engine/protocol.ts). */
let quietFrameDurations = 0;
/** This worker ran an invocation already (its first one's REPORT has the init duration: the engine logs it). */
let invoked = false;
let currentCid = null;

/**
 * Runs one request of a connection, then calls `answer(response)`: the response, undefined when malformed, null
 * when the handler failed. Not called for a request past its timeout (the engine answers it).
 */
function runDirect(request, body, cid, timeoutMs, answer) {
  directBusy = true;
  currentCid = cid;
  // Before the handler runs: a handler that never returns must still be timed out by the engine. No message
  // (a message would wake the engine for every request): see direct-state.mjs.
  const started = Date.now();
  const outBefore = outBytes;
  const errBefore = errBytes;
  directState.begin(request.id, cid, started);
  execute(request.id, started + timeoutMs, request, body, undefined, undefined, (outcome, response, ms) => {
    // Past its timeout: the engine answers it (504) and replaces this worker. Answering here too could put two
    // answers on the connection; the state file still says it runs, so the engine will.
    const now = Date.now();
    if (now - started >= timeoutMs) return;
    directState.end();
    directBusy = false;
    currentCid = null;
    const us = Math.round(ms * 1000);
    const m = maxRssMB(ms, now);
    // A success that wrote nothing, past the worker's first invocation (whose REPORT carries the init duration
    // the engine measured): its log line as stored. Anything else: its result, for the engine to log.
    if (outcome.ok && outBytes === outBefore && errBytes === errBefore && invoked) {
      addQuiet(started, request.id, us, m);
    } else {
      const d = us / 1000;
      // The request id is the front's own (a UUID: nothing to escape).
      const head = `{"t":"result","id":"${request.id}","cid":${cid},"s":${started},"o":${outBytes},"e":${errBytes},"m":${m},"d":${d}`;
      if (outcome.ok) writeLazy(`${head},"ok":true}`);
      else writeLazy(`${head},"ok":false,"error":${JSON.stringify(outcome.error)}}`);
    }
    invoked = true;
    answer(outcome.ok ? response : null);
    // Frames that arrived while this ran wait no longer.
    if (inbox.length > 0 && !draining) void drainInbox();
  });
}

async function onFront(msg) {
  if (!front) {
    const [{ createFront }, { createDirectState }, { quietBatchFormat }, { QUIET_FRAME_DURATIONS }] = await Promise.all(
      [
        import('./front.mjs'),
        import('./direct-state.mjs'),
        import('../../dist/engine/log-line.js'),
        import('../../dist/engine/protocol.js'),
      ],
    );
    quietFrameDurations = QUIET_FRAME_DURATIONS;
    directState = createDirectState(5);
    quietBatch = quietBatchFormat(meta.functionName, meta.functionVersion, meta.memorySize);
    front = createFront({ send, sendWithBytes, idle, runDirect });
    process.on('message', (m, handle) => {
      if (m && m.t === 'conn' && handle) front.adopt(m.cid, handle, m.head);
    });
    // The IPC channel carries connections only: it must not keep the loop alive (callbackWaitsForEmptyEventLoop).
    process.channel?.unref();
  }
  front.configure(msg);
  // Connections come over the IPC channel, this frame over fd 3: the engine passes none before this answer.
  send({ t: 'fronted' });
}

function fatal(kind, err) {
  const error = toErrorPayload(err);
  if (kind === 'unhandledRejection') {
    error.errorType = 'Runtime.UnhandledPromiseRejection';
  }
  process.stderr.write(
    `${new Date().toISOString()}\t${current ?? 'undefined'}\tERROR\t${kind}\t${error.errorType}: ${error.errorMessage}\n`,
  );
  if (current)
    send({
      t: 'result',
      id: current,
      ...(currentCid !== null ? { cid: currentCid } : {}),
      ok: false,
      fatal: true,
      error,
      o: outBytes,
      e: errBytes,
      m: maxRssMB(),
    });
  else send({ t: 'fatal', error, o: outBytes, e: errBytes });
  // As on Lambda the runtime exits after an uncaught error; the engine replaces the worker.
  channel.end(() => process.exit(129));
  setTimeout(() => process.exit(129), 200).unref();
}
process.on('uncaughtException', (err) => fatal('uncaughtException', err));
process.on('unhandledRejection', (err) => fatal('unhandledRejection', err));

// Frames are handled one at a time, in order: an invocation queued behind a running one starts when it is done.
const inbox = [];
let draining = false;
async function drainInbox() {
  draining = true;
  while (inbox.length > 0 && !directBusy) {
    const msg = inbox.shift();
    if (msg.t === 'invoke' || msg.t === 'http') await onInvoke(msg);
    else await onLoad(msg);
  }
  draining = false;
}

let buf = null;
channel.on('data', (chunk) => {
  buf = buf === null ? chunk : Buffer.concat([buf, chunk]);
  while (buf !== null && buf.length >= 4) {
    const len = buf.readUInt32BE(0);
    if (buf.length < 4 + len) break;
    let msg;
    if (buf[4] === 1) {
      const jsonLen = buf.readUInt32BE(5);
      msg = JSON.parse(buf.toString('utf8', 9, 9 + jsonLen));
      msg.body = 4 + len > 9 + jsonLen ? buf.subarray(9 + jsonLen, 4 + len) : null;
    } else msg = JSON.parse(buf.toString('utf8', 4, 4 + len));
    buf = buf.length === 4 + len ? null : buf.subarray(4 + len);
    if (msg.t === 'invoke' || msg.t === 'http' || msg.t === 'load') {
      inbox.push(msg);
      if (!draining && !directBusy) void drainInbox();
    } else if (msg.t === 'front') {
      void onFront(msg);
    } else if (msg.t === 'fwdres' || msg.t === 'release') {
      front?.onFrame(msg);
    } else if (msg.t === 'exit') {
      process.exit(0);
    }
  }
});
channel.on('end', () => process.exit(0));
channel.on('error', () => process.exit(1));
send({ t: 'ready', pid: process.pid });
