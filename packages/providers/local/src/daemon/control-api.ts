import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DaemonError } from './daemon-error.js';
import type { LocalDaemon } from './local-daemon.js';
import type { LogStore } from './log-store.js';
import type {
  DeployRequest,
  ErrorBody,
  InvokeRequestDto,
  RemoveRequest,
  StatusResponse,
  StoredLogLine,
} from './protocol.js';
import { CONTROL_PREFIX } from './protocol.js';

export interface ControlApiOptions {
  readonly token: string;
  readonly daemon: LocalDaemon;
  readonly logs: LogStore;
  status(): StatusResponse;
  /** Stop the daemon after the response went out. */
  shutdown(): void;
}

const MAX_BODY = 16 * 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, error: unknown): void {
  const e =
    error instanceof DaemonError
      ? error
      : new DaemonError(
          'LOCAL_DAEMON_INTERNAL',
          `The local daemon failed: ${(error as Error)?.message ?? String(error)}`,
          500,
        );
  const body: ErrorBody = { error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } };
  if (!res.headersSent) send(res, e.status, body);
  else res.end();
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new DaemonError('LOCAL_BAD_REQUEST', 'request body too large', 413);
    chunks.push(chunk as Buffer);
  }
  if (!size) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new DaemonError('LOCAL_BAD_REQUEST', 'request body is not JSON', 400);
  }
}

function authorised(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (!value) throw new DaemonError('LOCAL_BAD_REQUEST', `missing query parameter ${name}`, 400);
  return value;
}

/** Handles `/_skyrun/v1/*` on the daemon's main port. */
export function createControlApi(options: ControlApiOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { daemon, logs } = options;
  return (req, res) => {
    void (async () => {
      if (!authorised(req, options.token)) {
        throw new DaemonError('LOCAL_UNAUTHORISED', 'missing or wrong control token', 401);
      }
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const route = `${req.method} ${url.pathname.slice(CONTROL_PREFIX.length)}`;
      switch (route) {
        case 'GET /status':
          return send(res, 200, options.status());
        case 'POST /plan':
          return send(res, 200, daemon.plan((await readJson(req)) as DeployRequest));
        case 'POST /deploy':
          return send(res, 200, await daemon.deploy((await readJson(req)) as DeployRequest));
        case 'POST /remove':
          return send(res, 200, await daemon.remove((await readJson(req)) as RemoveRequest));
        case 'GET /info':
          return send(
            res,
            200,
            daemon.info(required(url.searchParams, 'service'), required(url.searchParams, 'stage')),
          );
        case 'POST /invoke':
          return send(res, 200, await daemon.invoke((await readJson(req)) as InvokeRequestDto));
        case 'GET /logs':
          return streamLogs(url.searchParams, req, res);
        case 'POST /shutdown':
          send(res, 200, { stopping: true });
          res.on('finish', () => options.shutdown());
          return;
        default:
          throw new DaemonError('LOCAL_BAD_REQUEST', `unknown control route ${route}`, 404);
      }
    })().catch((error: unknown) => sendError(res, error));
  };

  function streamLogs(params: URLSearchParams, req: IncomingMessage, res: ServerResponse): void {
    const service = required(params, 'service');
    const stage = required(params, 'stage');
    const fn = daemon.resolveFunction(service, stage, required(params, 'function'));
    const startTime = params.get('startTime') ? Number(params.get('startTime')) : undefined;
    const filter = params.get('filter') || undefined;
    const limit = params.get('limit') ? Number(params.get('limit')) : undefined;
    const target = { service, stage, key: fn.key };
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const write = (line: StoredLogLine) => res.write(`${JSON.stringify(line)}\n`);
    // Query and subscribe in the same turn: no line can fall in between.
    for (const line of logs.query({ ...target, startTime, filter, limit })) write(line);
    if (params.get('follow') !== '1') {
      res.end();
      return;
    }
    const unsubscribe = logs.follow(target, filter, write);
    const keepAlive = setInterval(() => res.write('\n'), 15_000);
    const stop = () => {
      clearInterval(keepAlive);
      unsubscribe();
    };
    req.on('close', stop);
    res.on('close', stop);
  }
}
