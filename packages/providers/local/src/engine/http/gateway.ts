import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildHttpEvent, mapHttpResult } from '../../../runtime/node/http-adapter.mjs';
import { nextRequestId } from '../request-id.js';
import type { FunctionEngine, HttpInvocationResult, HttpRequest, HttpResponse, HttpRoute } from '../types.js';
import { applyCorsHeaders, preflightHeaders, type HeaderMap } from './cors.js';
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

const JSON_HEADERS = { 'content-type': 'application/json' };

export function createHttpGateway(options: HttpGatewayOptions): HttpGateway {
  const { engine } = options;
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const mounts = new Map<string, Mount>();
  /** Longest base path first; replaced wholesale on every change. */
  let ordered: readonly Mount[] = [];

  const reorder = () => {
    ordered = [...mounts.values()].sort((a, b) => b.basePath.length - a.basePath.length);
  };

  function send(
    res: ServerResponse,
    requestId: string,
    status: number,
    headers: HeaderMap,
    body: Buffer | string,
  ): void {
    headers['x-amzn-requestid'] = requestId;
    headers['apigw-requestid'] = requestId;
    headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.length);
    res.writeHead(status, headers);
    res.end(body);
  }

  /** A handler's response: its header list goes to the socket as it is, with the gateway's own headers. */
  function sendResponse(res: ServerResponse, requestId: string, response: HttpResponse): void {
    const body = response.body;
    const headers = response.headers;
    headers.push(
      'x-amzn-requestid',
      requestId,
      'apigw-requestid',
      requestId,
      'content-length',
      String(typeof body === 'string' ? Buffer.byteLength(body) : body.length),
    );
    res.writeHead(response.statusCode, headers);
    res.end(body);
  }

  function sendWithCors(
    res: ServerResponse,
    requestId: string,
    response: HttpResponse,
    route: HttpRoute,
    origin: string | undefined,
  ): void {
    const headers: HeaderMap = {};
    const list = response.headers;
    for (let i = 0; i < list.length; i += 2) {
      const k = list[i];
      const prev = headers[k];
      headers[k] = prev === undefined ? list[i + 1] : [...(Array.isArray(prev) ? prev : [prev]), list[i + 1]];
    }
    applyCorsHeaders(headers, route.cors!, origin);
    send(res, requestId, response.statusCode, headers, response.body);
  }

  /**
   * Error answers carry API Gateway's message and the request id. Wrong method: a REST api answers 403
   * `Missing Authentication Token` (API Gateway's answer for any method/resource it has no integration for);
   * an HTTP api has no route for it and answers 404 `Not Found`. Timeouts are 504 (REST's
   * `Endpoint request timed out`; an HTTP API would say 503), handler errors and malformed responses 502.
   */
  function sendError(res: ServerResponse, requestId: string, status: number, message: string, extra?: HeaderMap): void {
    const headers: HeaderMap = { ...JSON_HEADERS, ...extra };
    if (status === 403 || status === 404)
      headers['x-amzn-errortype'] = status === 403 ? 'MissingAuthenticationTokenException' : 'NotFoundException';
    send(res, requestId, status, headers, JSON.stringify({ message, requestId }));
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

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const requestId = nextRequestId();
    const timeEpoch = Date.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const fullPath = q === -1 ? url : url.slice(0, q);
    const rawQueryString = q === -1 ? '' : url.slice(q + 1);
    const method = (req.method ?? 'GET').toUpperCase();
    const found = findMount(fullPath);
    if (!found) {
      sendError(res, requestId, 404, 'Not Found');
      return;
    }
    const { mount, path } = found;
    const origin = req.headers.origin;

    if (method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      const candidates = mount.table.routesForPath(path);
      const explicit = candidates.some((r) => r.method.toUpperCase() === 'OPTIONS');
      const withCors = candidates.find((r) => r.cors);
      if (!explicit && withCors?.cors) {
        const headers = preflightHeaders(
          withCors.cors,
          origin,
          candidates.map((r) => r.method.toUpperCase()),
          req.headers['access-control-request-headers'],
        );
        send(res, requestId, 204, headers, '');
        return;
      }
    }

    const match = mount.table.match(method, path);
    if (match.kind !== 'found') {
      if (match.kind === 'method-not-allowed' && match.routes[0].api === 'rest') {
        sendError(res, requestId, 403, 'Missing Authentication Token');
      } else sendError(res, requestId, 404, 'Not Found');
      return;
    }
    const route = match.route;

    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > bodyLimit) {
      req.resume();
      sendError(res, requestId, 413, 'Request Entity Too Large', { connection: 'close' });
      return;
    }
    const hasBody = (declared !== undefined && declared !== '0') || req.headers['transfer-encoding'] !== undefined;
    const request: HttpRequest = {
      v: route.payloadVersion,
      id: requestId,
      method,
      path,
      query: rawQueryString,
      headers: req.rawHeaders,
      ip: sourceIpOf(req),
      time: timeEpoch,
      httpVersion: req.httpVersion,
      apiId: mount.apiId,
      resource: route.path,
      routeMethod: route.method,
      stage: route.stage,
      params: match.pathParameters,
    };
    if (!hasBody) {
      dispatch(req, res, request, route, null);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > bodyLimit) {
        tooLarge = true;
        chunks.length = 0;
        sendError(res, requestId, 413, 'Request Entity Too Large', { connection: 'close' });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!tooLarge) dispatch(req, res, request, route, Buffer.concat(chunks, size));
    });
    req.on('error', () => res.destroy());
  }

  function dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    request: HttpRequest,
    route: HttpRoute,
    body: Buffer | null,
  ): void {
    const onResult = (result: HttpInvocationResult): void => {
      if (res.destroyed) return;
      const response = result.response;
      if (response !== undefined && result.functionError === undefined) {
        if (route.cors) sendWithCors(res, request.id, response, route, req.headers.origin);
        else sendResponse(res, request.id, response);
        return;
      }
      const corsExtra: HeaderMap = {};
      if (route.cors) applyCorsHeaders(corsExtra, route.cors, req.headers.origin);
      if (result.functionError === 'TimedOut') sendError(res, request.id, 504, 'Endpoint request timed out', corsExtra);
      else sendError(res, request.id, 502, 'Internal server error', corsExtra);
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
    handle,
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

function sourceIpOf(req: IncomingMessage): string {
  const ip = req.socket.remoteAddress ?? '127.0.0.1';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

export interface ApiServerOptions extends HttpGatewayOptions {
  readonly routes?: readonly HttpRoute[];
  /** Always a loopback address. Default 127.0.0.1. */
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
}

export interface ApiServer {
  readonly server: Server;
  readonly gateway: HttpGateway;
  /** Replaces this api's routes atomically. */
  setRoutes(routes: readonly HttpRoute[]): void;
  listen(): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
}

const SINGLE_API = 'api';

/** One listener for one api (service + stage): the daemon gives each its own port. */
export function createApiServer(options: ApiServerOptions): ApiServer {
  const gateway = createHttpGateway(options);
  gateway.setRoutes(SINGLE_API, options.routes ?? []);
  const server = createServer({ keepAliveTimeout: 5000 }, gateway.handle);
  const host = options.host ?? '127.0.0.1';
  return {
    server,
    gateway,
    setRoutes: (routes) => gateway.setRoutes(SINGLE_API, routes),
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, host, () => {
          server.off('error', reject);
          const port = (server.address() as AddressInfo).port;
          resolve({ port, url: `http://${host}:${port}` });
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
