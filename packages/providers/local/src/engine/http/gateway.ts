import { createHash } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { buildHttpEvent, mapHttpResult } from '../../../runtime/node/http-adapter.mjs';
import { NOT_PLAIN, readPlainRequest, readPutBack } from '../../../runtime/node/plain-http.mjs';
import { nextRequestId } from '../request-id.js';
import type {
  ForwardedRequest,
  FrontSpec,
  FunctionEngine,
  HttpInvocationResult,
  HttpRequest,
  HttpResponse,
  HttpRoute,
  OffloadedConnection,
  RawResponse,
} from '../types.js';
import { addGatewayHeaders, gatewayError } from './gateway-answers.js';
import { applyCorsHeaders, preflightHeaders, withCorsHeaders, type HeaderMap } from './cors.js';
import { RouteTable } from './route-table.js';

/** API Gateway's payload limit. */
export const DEFAULT_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

export interface HttpGatewayOptions {
  readonly engine: FunctionEngine;
  /** Larger request bodies are answered 413. Default 10 MB, as API Gateway. */
  readonly bodyLimitBytes?: number;
}

export interface RouteSetOptions {
  /**
   * Mount the api under this path prefix (`/my-service/dev`) when several apis share one listener; the
   * prefix is removed before matching and is not part of the event's path. Default: the root.
   */
  readonly basePath?: string;
  /** requestContext.apiId; default: derived from the api key. */
  readonly apiId?: string;
}

export interface HttpGateway {
  /** A `node:http` request listener. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** Answers a request a front worker forwarded, as `handle` answers one read here. */
  serveForwarded(request: ForwardedRequest, body: Buffer | null, done: (response: RawResponse) => void): void;
  /** Replaces an api's whole route table at once (requests see the old table or the new one, never a mix). */
  setRoutes(apiKey: string, routes: readonly HttpRoute[], options?: RouteSetOptions): void;
  removeRoutes(apiKey: string): void;
  routes(apiKey: string): readonly HttpRoute[] | undefined;
}

interface Mount {
  readonly apiKey: string;
  readonly basePath: string;
  readonly apiId: string;
  readonly table: RouteTable;
}

function normaliseBasePath(p: string | undefined): string {
  if (!p || p === '/') return '';
  return '/' + p.split('/').filter(Boolean).join('/');
}

/** One request and its answer, read from a `node:http` request or forwarded by a front worker. */
interface Exchange {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: readonly string[];
  readonly ip: string;
  readonly httpVersion: string;
  /** A request header (lower-case name); the first, if repeated. */
  header(name: string): string | undefined;
  /** The whole body (null: none), or `tooLarge` when it passes `limit` bytes. */
  readBody(limit: number, done: (body: Buffer | null) => void, tooLarge: () => void): void;
  send(status: number, headers: readonly string[], body: Buffer | string): void;
  isClosed(): boolean;
}

function nodeExchange(req: IncomingMessage, res: ServerResponse): Exchange {
  return {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    rawHeaders: req.rawHeaders,
    ip: req.socket.remoteAddress ?? '127.0.0.1',
    httpVersion: req.httpVersion,
    header: (name) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    },
    readBody(limit, done, tooLarge) {
      const declared = req.headers['content-length'];
      if (declared !== undefined && Number(declared) > limit) {
        req.resume();
        tooLarge();
        return;
      }
      if ((declared === undefined || declared === '0') && req.headers['transfer-encoding'] === undefined) {
        done(null);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let over = false;
      req.on('data', (chunk: Buffer) => {
        if (over) return;
        size += chunk.length;
        if (size > limit) {
          over = true;
          chunks.length = 0;
          tooLarge();
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        if (!over) done(Buffer.concat(chunks, size));
      });
      req.on('error', () => res.destroy());
    },
    send(status, headers, body) {
      res.writeHead(status, headers as string[]);
      res.end(body);
    },
    isClosed: () => res.destroyed,
  };
}

/** A request a front worker read and forwarded (runtime/node/front.mjs): it enforced the body limit already. */
function forwardedExchange(
  request: ForwardedRequest,
  body: Buffer | null,
  done: (response: RawResponse) => void,
): Exchange {
  let answered = false;
  return {
    method: request.method,
    url: request.url,
    rawHeaders: request.headers,
    ip: request.ip,
    httpVersion: request.httpVersion,
    header: (name) => {
      const h = request.headers;
      for (let i = 0; i < h.length; i += 2) if (h[i].toLowerCase() === name) return h[i + 1];
      return undefined;
    },
    readBody: (_limit, onBody) => onBody(body),
    send(status, headers, responseBody) {
      if (answered) return;
      answered = true;
      done({ status, headers, body: responseBody });
    },
    isClosed: () => answered,
  };
}

function flattenHeaders(headers: HeaderMap): string[] {
  const list: string[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (Array.isArray(v)) for (const one of v) list.push(k, one);
    else list.push(k, v);
  }
  return list;
}

export function createHttpGateway(options: HttpGatewayOptions): HttpGateway {
  const { engine } = options;
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const mounts = new Map<string, Mount>();
  /** Longest base path first; replaced wholesale on every change. */
  let ordered: readonly Mount[] = [];

  const reorder = () => {
    ordered = [...mounts.values()].sort((a, b) => b.basePath.length - a.basePath.length);
  };

  /**
   * Error answers carry API Gateway's message and the request id. Wrong method: a REST api answers 403
   * `Missing Authentication Token` (API Gateway's answer for any method/resource it has no integration for);
   * an HTTP api has no route for it and answers 404 `Not Found`. Timeouts are 504 (REST's
   * `Endpoint request timed out`; an HTTP API would say 503), handler errors and malformed responses 502.
   */
  function sendError(ex: Exchange, requestId: string, status: number, message: string, extra?: HeaderMap): void {
    const r = gatewayError(status, message, requestId, extra ? flattenHeaders(extra) : undefined);
    ex.send(r.status, r.headers, r.body);
  }

  /** Own headers (CORS preflight): with the request id headers API Gateway adds. */
  function sendHeaders(ex: Exchange, requestId: string, status: number, headers: HeaderMap, body: string): void {
    ex.send(status, addGatewayHeaders(flattenHeaders(headers), requestId, body), body);
  }

  /** A handler's response: its header list goes to the socket as it is, with the route's API's own headers. */
  function sendResponse(ex: Exchange, requestId: string, response: HttpResponse, route: HttpRoute): void {
    ex.send(
      response.statusCode,
      addGatewayHeaders(response.headers, requestId, response.body, route.payloadVersion),
      response.body,
    );
  }

  function sendWithCors(
    ex: Exchange,
    requestId: string,
    response: HttpResponse,
    route: HttpRoute,
    origin: string | undefined,
  ): void {
    const headers = withCorsHeaders(response.headers, route.cors!, origin);
    sendResponse(ex, requestId, { statusCode: response.statusCode, headers, body: response.body }, route);
  }

  function findMount(path: string): { mount: Mount; path: string } | undefined {
    for (const m of ordered) {
      if (m.basePath === '') return { mount: m, path };
      if (path === m.basePath) return { mount: m, path: '/' };
      if (path.startsWith(m.basePath) && path.charCodeAt(m.basePath.length) === 47 /* / */) {
        return { mount: m, path: path.slice(m.basePath.length) };
      }
    }
    return undefined;
  }

  function serve(ex: Exchange): void {
    const requestId = nextRequestId();
    const timeEpoch = Date.now();
    const url = ex.url;
    const q = url.indexOf('?');
    const fullPath = q === -1 ? url : url.slice(0, q);
    const rawQueryString = q === -1 ? '' : url.slice(q + 1);
    const method = ex.method.toUpperCase();
    const found = findMount(fullPath);
    if (!found) {
      sendError(ex, requestId, 404, 'Not Found');
      return;
    }
    const { mount, path } = found;
    const origin = ex.header('origin');

    if (method === 'OPTIONS' && ex.header('access-control-request-method') !== undefined) {
      const candidates = mount.table.routesForPath(path);
      const explicit = candidates.some((r) => r.method.toUpperCase() === 'OPTIONS');
      const withCors = candidates.find((r) => r.cors);
      if (!explicit && withCors?.cors) {
        const headers = preflightHeaders(
          withCors.cors,
          origin,
          candidates.map((r) => r.method.toUpperCase()),
          ex.header('access-control-request-headers'),
        );
        sendHeaders(ex, requestId, 204, headers, '');
        return;
      }
    }

    const match = mount.table.match(method, path);
    if (match.kind !== 'found') {
      if (match.kind === 'method-not-allowed' && match.routes[0].api === 'rest') {
        sendError(ex, requestId, 403, 'Missing Authentication Token');
      } else sendError(ex, requestId, 404, 'Not Found');
      return;
    }
    const route = match.route;
    const request: HttpRequest = {
      v: route.payloadVersion,
      id: requestId,
      method,
      path,
      query: rawQueryString,
      headers: ex.rawHeaders,
      ip: ex.ip.startsWith('::ffff:') ? ex.ip.slice(7) : ex.ip,
      time: timeEpoch,
      httpVersion: ex.httpVersion,
      apiId: mount.apiId,
      resource: route.path,
      routeMethod: route.method,
      stage: route.stage,
      params: match.pathParameters,
    };
    ex.readBody(
      bodyLimit,
      (body) => dispatch(ex, request, route, body),
      () => sendError(ex, requestId, 413, 'Request Entity Too Large', { connection: 'close' }),
    );
  }

  function dispatch(ex: Exchange, request: HttpRequest, route: HttpRoute, body: Buffer | null): void {
    const onResult = (result: HttpInvocationResult): void => {
      if (ex.isClosed()) return;
      const response = result.response;
      if (response !== undefined && result.functionError === undefined) {
        if (route.cors) sendWithCors(ex, request.id, response, route, ex.header('origin'));
        else sendResponse(ex, request.id, response, route);
        return;
      }
      const corsExtra: HeaderMap = {};
      if (route.cors) applyCorsHeaders(corsExtra, route.cors, ex.header('origin'));
      if (result.functionError === 'TimedOut') sendError(ex, request.id, 504, 'Endpoint request timed out', corsExtra);
      else sendError(ex, request.id, 502, 'Internal server error', corsExtra);
    };
    if (engine.invokeHttp) {
      engine.invokeHttp(route.functionName, request, body, onResult);
      return;
    }
    // An engine without invokeHttp: the event and the response are mapped here, with the same adapter.
    engine.invoke(route.functionName, buildHttpEvent(request, body), { requestId: request.id }).then(
      (result) => {
        if (result.functionError) onResult({ requestId: request.id, functionError: result.functionError });
        else {
          let response: HttpResponse | undefined;
          try {
            response = mapHttpResult(request.v, result.payload);
          } catch {
            response = undefined;
          }
          onResult({ requestId: request.id, response });
        }
      },
      // The route names a function that is not deployed (or was just removed).
      () => onResult({ requestId: request.id, functionError: 'Unhandled' }),
    );
  }

  return {
    handle: (req, res) => serve(nodeExchange(req, res)),
    serveForwarded(request, body, done) {
      serve(forwardedExchange(request, body, done));
    },
    setRoutes(apiKey, routes, setOptions = {}) {
      mounts.set(apiKey, {
        apiKey,
        basePath: normaliseBasePath(setOptions.basePath),
        apiId: setOptions.apiId ?? createHash('sha256').update(apiKey).digest('hex').slice(0, 10),
        table: new RouteTable(routes),
      });
      reorder();
    },
    removeRoutes(apiKey) {
      if (mounts.delete(apiKey)) reorder();
    },
    routes(apiKey) {
      return mounts.get(apiKey)?.table.routes;
    },
  };
}

export interface ApiServerOptions extends HttpGatewayOptions {
  readonly routes?: readonly HttpRoute[];
  /** Always a loopback address. Default 127.0.0.1. */
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /**
   * Hand connections to a worker of the function their requests are for, which serves them itself
   * (`engine.offload`). Default: on, unless `SKYRUN_LOCAL_FRONTS=0`.
   */
  readonly offload?: boolean;
}

export interface ApiServer {
  readonly gateway: HttpGateway;
  /** Replaces this api's routes atomically. */
  setRoutes(routes: readonly HttpRoute[]): void;
  listen(): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
}

const SINGLE_API = 'api';

/** The api's one function, when every route is that function's (one function behind `{proxy+}`, a hello world). */
function onlyFunctionOf(routes: readonly HttpRoute[]): string | undefined {
  const name = routes[0]?.functionName;
  return name !== undefined && routes.every((r) => r.functionName === name) ? name : undefined;
}

/**
 * The function the request at the start of `bytes` is for, when a worker of it may run it from the connection:
 * a plain request (plain-http.mjs) matching a route, and not a CORS preflight (the gateway answers those).
 */
function functionOfRequest(table: RouteTable, bytes: Buffer, bodyLimit: number): string | undefined {
  const read = readPlainRequest(bytes, bodyLimit);
  if (read === NOT_PLAIN || read.method === 'OPTIONS') return undefined;
  const q = read.url.indexOf('?');
  const match = table.match(read.method, q === -1 ? read.url : read.url.slice(0, q));
  return match.kind === 'found' ? match.route.functionName : undefined;
}

/** node:http's default headersTimeout: a connection that sends nothing for this long is closed. */
const FIRST_BYTES_TIMEOUT_MS = 60_000;

/**
 * Reads the first bytes a client sends on `socket` (which function its request is for), then reads nothing more:
 * a worker may be about to read the connection, and any byte read here would be one it never sees. `then(bytes,
 * stopped)`: `stopped` false when reading could not be stopped (the connection must then be served here).
 */
function readFirstBytes(socket: Socket, then: (bytes: Buffer, stopped: boolean) => void): void {
  const onError = (): void => {
    socket.destroy();
  };
  socket.on('error', onError);
  socket.setTimeout(FIRST_BYTES_TIMEOUT_MS, () => socket.destroy());
  socket.once('data', (bytes: Buffer) => {
    socket.pause();
    socket.setTimeout(0);
    socket.off('error', onError);
    // A paused stream still fills its buffer: once this event is done it starts the handle reading again (up to
    // its high-water mark). Its reads are stopped after that, before the event loop polls for more bytes.
    setImmediate(() => then(bytes, stopReading(socket) && socket.readableLength === 0));
  });
  socket.resume();
  startReading(socket);
}

/** The socket's handle, for the read calls Node keeps internal (see `stopReading`). */
function handleOf(
  socket: Socket,
): { reading?: boolean; readStop?: () => number; readStart?: () => number } | undefined {
  return (socket as unknown as { _handle?: { reading?: boolean; readStop?: () => number; readStart?: () => number } })
    ._handle;
}

/**
 * Stops the reads on the socket's handle, as pause() does for a socket made with `onread` (for others, it only
 * stops the 'data' events): Node has no public call for it. False when this Node's handle has no such call.
 * The stream is left believing a read is under way, so resume() alone does not start the handle again:
 * `startReading` does.
 */
function stopReading(socket: Socket): boolean {
  const handle = handleOf(socket);
  if (!handle || typeof handle.readStop !== 'function' || typeof handle.readStart !== 'function') return false;
  if (handle.reading) {
    handle.reading = false;
    handle.readStop();
  }
  return true;
}

/** Undoes `stopReading` (and starts the reads of a socket accepted paused, as resume() would). */
function startReading(socket: Socket): void {
  const handle = handleOf(socket);
  if (handle && !handle.reading && typeof handle.readStart === 'function' && !socket.destroyed) {
    handle.reading = true;
    handle.readStart();
  }
}

/**
 * One listener for one api (service + stage): the daemon gives each its own port.
 *
 * Connections are accepted paused. When the engine has a warm worker ready to serve connections itself
 * (`engine.offload`) of the function the connection's requests are for, the connection goes to that worker: it
 * runs them with no hop through this process and forwards the rest here (`serveForwarded`: another function's,
 * CORS preflights, a request arriving while one runs). With one function behind every route, that is known
 * before anything is read; with several, the connection's first request is read here to know, and goes to the
 * worker with it. Otherwise this process's `node:http` server serves the connection. A connection a worker gives
 * back (between two requests) is placed again, as a new one.
 */
export function createApiServer(options: ApiServerOptions): ApiServer {
  const { engine } = options;
  const gateway = createHttpGateway(options);
  const apiId = createHash('sha256').update(SINGLE_API).digest('hex').slice(0, 10);
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const offload = (options.offload ?? process.env.SKYRUN_LOCAL_FRONTS !== '0') && engine.offload !== undefined;
  const httpServer = createServer({ keepAliveTimeout: 5000 }, gateway.handle);
  /** Our handles on connections a worker serves. */
  const offloaded = new Set<Socket>();
  /** Connections whose first bytes are awaited (to know which function's worker takes them). */
  const peeking = new Set<Socket>();
  /** Where connections may go: `only` the api's one function (no need to read a request to know), a table else. */
  let front: { readonly only: string | undefined; readonly table: RouteTable; readonly spec: FrontSpec } | undefined;
  let closing = false;
  const forward: FrontSpec['forward'] = (request, body, done) => gateway.serveForwarded(request, body, done);

  const setRoutes = (routes: readonly HttpRoute[]): void => {
    gateway.setRoutes(SINGLE_API, routes, { apiId });
    front =
      offload && routes.length > 0
        ? { only: onlyFunctionOf(routes), table: new RouteTable(routes), spec: { apiId, bodyLimit, routes, forward } }
        : undefined;
  };
  setRoutes(options.routes ?? []);

  /** `putBack`: bytes read from the connection already (the start of its next request). */
  const serveHere = (socket: Socket, putBack: Buffer | null = null): void => {
    if (putBack !== null) socket.unshift(putBack);
    httpServer.emit('connection', socket);
    socket.resume();
    startReading(socket);
    if (putBack !== null) process.nextTick(readPutBack, socket);
  };

  const place = (socket: Socket, fresh: boolean): void => {
    if (closing || socket.destroyed) {
      socket.destroy();
      return;
    }
    const f = front;
    if (!f) serveHere(socket);
    else if (f.only !== undefined) offloadTo(f.only, socket, fresh, null);
    else {
      // Several functions: the first request says which one's worker takes the connection.
      peeking.add(socket);
      socket.once('close', () => peeking.delete(socket));
      readFirstBytes(socket, (bytes, stopped) => {
        peeking.delete(socket);
        if (closing || socket.destroyed) {
          socket.destroy();
          return;
        }
        const now = front;
        const name = stopped && now ? functionOfRequest(now.table, bytes, bodyLimit) : undefined;
        if (name) offloadTo(name, socket, fresh, bytes);
        else serveHere(socket, bytes);
      });
    }
  };

  /** Hands the connection to a worker of `functionName`, with the bytes read from it (`head`), or serves it here. */
  const offloadTo = (functionName: string, socket: Socket, fresh: boolean, head: Buffer | null): void => {
    let unread = head;
    const connection: OffloadedConnection = {
      socket,
      fresh,
      get head() {
        return unread;
      },
      adopted() {
        unread = null;
      },
      answer(response) {
        offloaded.delete(socket);
        writeAndClose(socket, response);
      },
      reclaim() {
        offloaded.delete(socket);
        // Given back before the worker had the bytes read here: they are served here, first.
        if (unread !== null) {
          const bytes = unread;
          unread = null;
          if (closing || socket.destroyed) socket.destroy();
          else serveHere(socket, bytes);
        } else place(socket, false);
      },
      closed() {
        offloaded.delete(socket);
        socket.destroy();
      },
    };
    if (engine.offload!(functionName, connection, front!.spec)) offloaded.add(socket);
    else serveHere(socket, head);
  };

  // noDelay as `http.createServer` sets it (a response is one write: no reason to let Nagle hold it).
  const listener = createNetServer({ pauseOnConnect: true, noDelay: true }, (socket) => place(socket, true));
  const host = options.host ?? '127.0.0.1';
  return {
    gateway,
    setRoutes,
    listen: () =>
      new Promise((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(options.port ?? 0, host, () => {
          listener.off('error', reject);
          // The http server never listens itself (connections come from `listener`): this starts its connection
          // tracking, which enforces headersTimeout/requestTimeout and makes closeAllConnections() work.
          httpServer.emit('listening');
          const port = (listener.address() as AddressInfo).port;
          resolve({ port, url: `http://${host}:${port}` });
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        listener.close(() => resolve());
        httpServer.closeAllConnections();
        httpServer.close();
        for (const socket of offloaded) socket.destroy();
        offloaded.clear();
        for (const socket of peeking) socket.destroy();
        peeking.clear();
      }),
  };
}

/** A whole HTTP/1.1 response written on a connection this process never read from, which then closes. */
function writeAndClose(socket: Socket, response: RawResponse): void {
  if (socket.destroyed) return;
  let head = `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}\r\n`;
  const h = response.headers;
  for (let i = 0; i < h.length; i += 2) if (h[i].toLowerCase() !== 'connection') head += `${h[i]}: ${h[i + 1]}\r\n`;
  head += 'connection: close\r\n\r\n';
  const body = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  // Read (and drop) whatever the client still sends, so its close is seen and the socket released.
  socket.resume();
  startReading(socket);
  setTimeout(() => socket.destroy(), 5000).unref();
}
