import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FunctionEngine } from './types.js';

/** Lambda's limits: 6 MB synchronous, 256 KB (now 1 MB) asynchronous payloads. */
const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;
const ASYNC_PAYLOAD_LIMIT = 1024 * 1024;

export interface InvokeApiOptions {
  readonly engine: FunctionEngine;
  /**
   * `X-Amz-Invocation-Type: Event`: hand the event to the daemon's durable queue. `requestId` is the id the
   * 202 answer carries (`x-amzn-requestid`): the eventual invocation must run with it. Rejecting answers 500.
   */
  readonly onAsyncInvoke: (functionName: string, payload: unknown, requestId: string) => Promise<void>;
  /** Region and account in ARNs of error messages. Default `us-east-1`. */
  readonly region?: string;
  /** Version reported in `X-Amz-Executed-Version`; default: the active version from `engine.stats()`. */
  readonly versionOf?: (functionName: string) => string | undefined;
}

const ROUTE = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;

/** Accepts a name, `name:qualifier`, or a function ARN; returns the function name. */
export function functionNameFrom(raw: string): string {
  const decoded = decodeURIComponent(raw);
  const arn = /^arn:aws[a-zA-Z-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/.exec(decoded);
  if (arn) return arn[1];
  const colon = decoded.indexOf(':');
  return colon === -1 ? decoded : decoded.slice(0, colon);
}

/**
 * The Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`) as a `node:http` listener, so the
 * AWS SDK and CLI with an endpoint override invoke local functions. Returns false for other paths, so it
 * can share a listener.
 */
export function createInvokeApiHandler(
  options: InvokeApiOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { engine } = options;
  const region = options.region ?? 'us-east-1';
  const arnOf = (name: string) => `arn:aws:lambda:${region}:000000000000:function:${name}`;
  const versionOf = options.versionOf ?? ((name: string) => engine.stats().find((s) => s.name === name)?.version);

  function awsError(res: ServerResponse, requestId: string, status: number, type: string, message: string): void {
    const body = JSON.stringify({ Type: status >= 500 ? 'Service' : 'User', message, Message: message });
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': type,
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const m = ROUTE.exec(path);
    if (!m) return false;
    const requestId = randomUUID();
    if (req.method !== 'POST') {
      awsError(res, requestId, 405, 'MethodNotAllowedException', `Method ${req.method} is not allowed`);
      return true;
    }
    const name = functionNameFrom(m[1]);
    const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const limit = type === 'Event' ? ASYNC_PAYLOAD_LIMIT : SYNC_PAYLOAD_LIMIT;
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (!engine.has(name)) {
        awsError(res, requestId, 404, 'ResourceNotFoundException', `Function not found: ${arnOf(name)}`);
        return;
      }
      if (over) {
        awsError(
          res,
          requestId,
          413,
          'RequestTooLargeException',
          `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
        );
        return;
      }
      const raw = Buffer.concat(chunks, size).toString('utf8');
      let payload: unknown = {};
      if (raw.trim() !== '') {
        try {
          payload = JSON.parse(raw);
        } catch {
          awsError(
            res,
            requestId,
            400,
            'InvalidRequestContentException',
            'Could not parse request body into json: Unexpected character',
          );
          return;
        }
      }
      if (type === 'DryRun') {
        res.writeHead(204, { 'x-amzn-requestid': requestId });
        res.end();
        return;
      }
      if (type === 'Event') {
        options.onAsyncInvoke(name, payload, requestId).then(
          () => {
            res.writeHead(202, { 'x-amzn-requestid': requestId, 'content-length': '0' });
            res.end();
          },
          (err: unknown) =>
            awsError(
              res,
              requestId,
              500,
              'ServiceException',
              `Could not queue the event: ${(err as Error)?.message ?? err}`,
            ),
        );
        return;
      }
      if (type !== 'RequestResponse') {
        awsError(res, requestId, 400, 'InvalidParameterValueException', `Unsupported invocation type: ${type}`);
        return;
      }
      const version = versionOf(name) ?? '$LATEST';
      engine
        .invoke(name, payload, { requestId, clientContext: headerString(req.headers['x-amz-client-context']) })
        .then(
          (result) => {
            const headers: Record<string, string> = {
              'content-type': 'application/json',
              'x-amzn-requestid': result.requestId,
              'x-amz-executed-version': version,
            };
            if (String(req.headers['x-amz-log-type'] ?? '').toLowerCase() === 'tail') {
              headers['x-amz-log-result'] = Buffer.from(result.logTail, 'utf8').toString('base64');
            }
            let body: string;
            if (result.functionError) {
              headers['x-amz-function-error'] =
                result.functionError === 'TimedOut' ? 'Unhandled' : result.functionError;
              const e = result.payload as { errorType?: string; errorMessage?: string; stackTrace?: readonly string[] };
              body = JSON.stringify({
                errorType: e.errorType,
                errorMessage: e.errorMessage,
                trace: e.stackTrace ?? [],
              });
            } else {
              body = JSON.stringify(result.payload === undefined ? null : result.payload);
            }
            headers['content-length'] = String(Buffer.byteLength(body));
            res.writeHead(200, headers);
            res.end(body);
          },
          (err: unknown) => {
            if ((err as { code?: string })?.code === 'LOCAL_FUNCTION_NOT_FOUND') {
              awsError(res, requestId, 404, 'ResourceNotFoundException', `Function not found: ${arnOf(name)}`);
            } else awsError(res, requestId, 500, 'ServiceException', String((err as Error)?.message ?? err));
          },
        );
    });
    return true;
  };
}

function headerString(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export interface InvokeApiServer {
  readonly server: Server;
  listen(port?: number): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
}

/** A 127.0.0.1 listener serving only the Invoke API (anything else: 404 like AWS's UnknownOperationException). */
export function createInvokeApiServer(options: InvokeApiOptions & { readonly host?: string }): InvokeApiServer {
  const handler = createInvokeApiHandler(options);
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    if (handler(req, res)) return;
    const body = JSON.stringify({ message: 'UnknownOperationException' });
    res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'UnknownOperationException' });
    res.end(body);
  });
  return {
    server,
    listen: (port = 0) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const p = (server.address() as AddressInfo).port;
          resolve({ port: p, url: `http://${host}:${p}` });
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
