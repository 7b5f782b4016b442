// A worker's HTTP front: client connections of an api that the engine handed to this worker (see bootstrap.mjs).
// Requests for this worker's own function run here, one at a time, when nothing else runs: no hop through the
// engine, which on a small machine is most of the cost of a short request. Everything else (another function's
// route, a 404, a CORS preflight, a request that arrives while one runs, every request once the worker is told
// to give its connections back) is forwarded to the engine's gateway, which answers it as it answers any request.
// The engine keeps its own handle on every connection: when this worker times out or dies it answers the request
// that was running, and serves the connections again.
// A connection's requests are read by plain-http.mjs (no node:http objects: most of a short request's cost) for
// as long as they are plain keep-alive ones; from the first that is not, node:http reads the connection.
import http from 'node:http';
import { withCorsHeaders } from '../../dist/engine/http/cors.js';
import { addGatewayHeaders, gatewayError } from '../../dist/engine/http/gateway-answers.js';
import { RouteTable } from '../../dist/engine/http/route-table.js';
import { nextRequestId } from '../../dist/engine/request-id.js';
import { NOT_PLAIN, PlainRequest, PlainResponse, readPlainRequest, readPutBack } from './plain-http.mjs';

/** A connection's state (one object, so that a request reads one symbol-keyed property of the socket). */
const STATE = Symbol('frontConnection');

class ConnectionState {
  constructor(cid) {
    this.cid = cid;
    /** Requests of the connection being answered (from their 'request' until their answer is written). */
    this.pending = 0;
    /** socket.bytesRead when the last request was fully read: more means bytes of another request were read. */
    this.readAtBoundary = 0;
    this.releasing = false;
    this.released = false;
    /** Read by plain-http.mjs until a request needs node:http; node's from then on. */
    this.plain = true;
    /** Bytes read and not yet a request (plain reading only). */
    this.unread = null;
    /** Paused until the connection's pending answers are written (its client sent more meanwhile). */
    this.heldBack = false;
    /** Requests since the idle sweep last looked, and how many sweeps in a row found none (keep-alive timeout). */
    this.requests = 0;
    this.idleSweeps = 0;
  }
}

/** node:http's keepAliveTimeout here, in the idle sweep's seconds: a plain connection idle this long is closed. */
const KEEP_ALIVE_SECONDS = 5;

/**
 * `deps`: send(obj) and sendWithBytes(json, bytes) write frames to the engine; idle() says whether a request
 * may run now; runDirect(request, body, cid, timeoutMs, answer) runs one and calls answer(response) (undefined:
 * malformed, null: the handler failed).
 */
export function createFront(deps) {
  let config = null;
  let table = null;
  const sockets = new Map();
  const forwards = new Map();
  let nextForward = 1;
  /** Told to give its connections back (a new version is live): it runs no request itself any more. */
  let retiring = false;

  const server = http.createServer({ keepAliveTimeout: KEEP_ALIVE_SECONDS * 1000 }, onRequest);
  // One timer for every plain connection's keep-alive timeout (node:http arms one per answer).
  setInterval(sweepIdle, 1000).unref();

  /** Writes an answer; the connection is at a request boundary again. */
  function answer(res, status, headers, body) {
    res.writeHead(status, headers);
    res.end(body);
    // res.socket is not set yet for a pipelined request's answer: the request's socket is.
    const socket = res.req.socket;
    const state = socket[STATE];
    state.pending--;
    if (state.unread !== null || state.heldBack) setImmediate(readPlain, socket);
    if (state.releasing) setImmediate(() => tryRelease(socket));
  }

  function onPlainData(chunk) {
    const state = this[STATE];
    state.unread = state.unread === null ? chunk : Buffer.concat([state.unread, chunk]);
    if (state.pending > 0) {
      // A client sending ahead of its answers (pipelining) is read no further until they are written: what
      // waits here is bounded by the stream's buffer, not by what the client sends.
      state.heldBack = true;
      this.pause();
      return;
    }
    readPlain(this);
  }

  function onPlainError() {
    this.destroy();
  }

  /** Serves the requests read from a plain connection, one at a time; gives it to node:http at the first other. */
  function readPlain(socket) {
    const state = socket[STATE];
    while (state.plain && state.pending === 0 && state.unread !== null && !socket.destroyed) {
      const buf = state.unread;
      const read = readPlainRequest(buf, config.bodyLimit);
      if (read === NOT_PLAIN) {
        toNodeHttp(socket, state);
        return;
      }
      state.unread = read.end === buf.length ? null : buf.subarray(read.end);
      state.requests++;
      state.pending++;
      const req = new PlainRequest(socket, read.method, read.url, read.rawHeaders);
      const body = read.end > read.bodyStart ? Buffer.from(buf.subarray(read.bodyStart, read.end)) : null;
      atBoundary(socket, state.unread === null ? 0 : state.unread.length);
      dispatch(req, new PlainResponse(req), nextRequestId(), Date.now(), body);
    }
    if (state.heldBack && state.pending === 0 && state.plain && !state.releasing) {
      state.heldBack = false;
      socket.resume();
    }
  }

  /** For good: node:http reads the connection, starting with the bytes read here and not served. */
  function toNodeHttp(socket, state) {
    state.plain = false;
    socket.removeListener('data', onPlainData);
    socket.removeListener('error', onPlainError);
    const rest = state.unread;
    state.unread = null;
    if (rest !== null) socket.unshift(rest);
    server.emit('connection', socket);
    if (rest === null) return;
    // Paused at a boundary to be released (atBoundary): node must still read what was read here.
    if (socket.isPaused()) socket.resume();
    process.nextTick(readPutBack, socket);
  }

  function sweepIdle() {
    for (const socket of sockets.values()) {
      const state = socket[STATE];
      if (!state.plain) continue;
      if (state.requests > 0 || state.pending > 0) {
        state.requests = 0;
        state.idleSweeps = 0;
      } else if (++state.idleSweeps > KEEP_ALIVE_SECONDS) socket.destroy();
    }
  }

  function errorAnswer(res, status, message, requestId, close, cors, origin) {
    const extra = cors ? withCorsHeaders([], cors, origin) : [];
    if (close) extra.push('connection', 'close');
    const error = gatewayError(status, message, requestId, extra);
    answer(res, error.status, error.headers, error.body);
  }

  function onRequest(req, res) {
    const socket = req.socket;
    socket[STATE].pending++;
    const requestId = nextRequestId();
    const time = Date.now();
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > config.bodyLimit) {
      req.resume();
      errorAnswer(res, 413, 'Request Entity Too Large', requestId, true);
      return;
    }
    const hasBody = (declared !== undefined && declared !== '0') || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) {
      atBoundary(socket);
      dispatch(req, res, requestId, time, null);
      return;
    }
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > config.bodyLimit) {
        tooLarge = true;
        chunks.length = 0;
        errorAnswer(res, 413, 'Request Entity Too Large', requestId, true);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      atBoundary(socket);
      if (!tooLarge) dispatch(req, res, requestId, time, Buffer.concat(chunks, size));
    });
    req.on('error', () => res.destroy());
  }

  function dispatch(req, res, requestId, time, body) {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const method = (req.method ?? 'GET').toUpperCase();
    const match = table.match(method, path);
    const own =
      match.kind === 'found' &&
      match.route.functionName === config.functionName &&
      !(method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined);
    if (!own || retiring || !deps.idle()) {
      forward(req, res, body);
      return;
    }
    const route = match.route;
    const ip = req.socket.remoteAddress ?? '127.0.0.1';
    const request = {
      v: route.payloadVersion,
      id: requestId,
      method,
      path,
      query: q === -1 ? '' : url.slice(q + 1),
      headers: req.rawHeaders,
      ip: ip.startsWith('::ffff:') ? ip.slice(7) : ip,
      time,
      httpVersion: req.httpVersion,
      apiId: config.apiId,
      resource: route.path,
      routeMethod: route.method,
      stage: route.stage,
      params: match.pathParameters,
    };
    deps.runDirect(request, body, req.socket[STATE].cid, config.timeoutMs, (response) => {
      if (res.destroyed) return;
      const cors = route.cors;
      const origin = cors ? req.headers.origin : undefined;
      if (response === null || response === undefined) {
        errorAnswer(res, 502, 'Internal server error', requestId, false, cors, origin);
        return;
      }
      const headers = cors ? withCorsHeaders(response.headers, cors, origin) : response.headers;
      answer(
        res,
        response.statusCode,
        addGatewayHeaders(headers, requestId, response.body, route.payloadVersion),
        response.body,
      );
    });
  }

  function forward(req, res, body) {
    const fid = nextForward++;
    forwards.set(fid, res);
    const r = {
      method: req.method,
      url: req.url,
      headers: req.rawHeaders,
      ip: req.socket.remoteAddress ?? '127.0.0.1',
      httpVersion: req.httpVersion,
    };
    deps.sendWithBytes(`{"t":"fwd","fid":${fid},"cid":${req.socket[STATE].cid},"r":${JSON.stringify(r)}}`, body ?? '');
  }

  function onForwardAnswer(msg) {
    const res = forwards.get(msg.fid);
    if (!res) return;
    forwards.delete(msg.fid);
    if (res.destroyed) return;
    answer(res, msg.status, msg.headers, msg.body ?? '');
  }

  /**
   * The connection's request has been read whole. When it is to be given back, nothing more is read from it:
   * under load a client sends its next request as soon as it has an answer, and a connection read from without
   * pause would never be at a boundary when its answer is done. `unread`: bytes read past it, not served yet.
   */
  function atBoundary(socket, unread = 0) {
    const state = socket[STATE];
    state.readAtBoundary = socket.bytesRead - unread;
    if (state.releasing) socket.pause();
  }

  /** At a request boundary, with nothing of another request read: close this handle (the engine keeps its own). */
  function tryRelease(socket) {
    const state = socket[STATE];
    if (state.released || socket.destroyed) return;
    if (state.pending > 0 || socket.bytesRead !== state.readAtBoundary) return;
    if (socket.writableLength > 0) {
      setImmediate(() => tryRelease(socket));
      return;
    }
    state.released = true;
    sockets.delete(state.cid);
    // destroy() closes this process's descriptor only: no FIN, the connection lives on in the engine.
    socket.destroy();
    deps.send({ t: 'released', cid: state.cid });
  }

  let holdLoop = true;

  return {
    /**
     * Whether the connections keep the event loop alive: not while a handler waits for an empty loop
     * (callbackWaitsForEmptyEventLoop), which they would otherwise prevent for as long as they are open.
     */
    setLoopHold(hold) {
      holdLoop = hold;
      for (const socket of sockets.values()) {
        if (hold) socket.ref();
        else socket.unref();
      }
    },
    configure(msg) {
      config = msg;
      table = new RouteTable(msg.routes);
    },
    /** `head`: bytes the engine read from the connection already (base64), the first ones to serve. */
    adopt(cid, socket, head) {
      const state = new ConnectionState(cid);
      socket[STATE] = state;
      sockets.set(cid, socket);
      if (!holdLoop) socket.unref();
      socket.on('close', () => {
        sockets.delete(cid);
        if (!state.released) deps.send({ t: 'closed', cid });
      });
      socket.on('data', onPlainData);
      socket.on('error', onPlainError);
      socket.resume();
      if (head !== undefined) {
        state.unread = Buffer.from(head, 'base64');
        deps.send({ t: 'adopted', cid });
        readPlain(socket);
      }
    },
    onFrame(msg) {
      if (msg.t === 'fwdres') onForwardAnswer(msg);
      else if (msg.t === 'release') {
        if (msg.cid === undefined) {
          retiring = true;
          // The engine waits for this before it says a new version is live.
          deps.send({ t: 'releasing' });
        }
        for (const socket of [...sockets.values()]) {
          const state = socket[STATE];
          if (msg.cid !== undefined && state.cid !== msg.cid) continue;
          state.releasing = true;
          // Busy with a request read whole: read nothing more (see atBoundary).
          if (socket.bytesRead === state.readAtBoundary) socket.pause();
          tryRelease(socket);
        }
      }
    },
  };
}
