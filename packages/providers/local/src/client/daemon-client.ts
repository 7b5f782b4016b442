import { SkyrunError } from '@skyrun/core/errors/skyrun-error';
import { CONTROL_PREFIX, type ErrorBody, type StatusResponse, type StoredLogLine } from '../daemon/protocol.js';
import { readAll, send } from './http.js';

/** How to reach a running daemon. */
export interface DaemonEndpoint {
  readonly home: string;
  readonly port: number;
  readonly token: string;
}

export interface RequestOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

function unreachable(endpoint: DaemonEndpoint, error: unknown, daemonLog: string): SkyrunError {
  return new SkyrunError({
    code: 'LOCAL_DAEMON_UNREACHABLE',
    message: `The local runtime daemon at 127.0.0.1:${endpoint.port} did not answer: ${(error as Error).message}`,
    hint: `Run skyrun local status; the daemon's own log is ${daemonLog}.`,
    cause: error,
    exit: 'provider',
  });
}

/** The control API, from the CLI's side. Every failure is a SkyrunError with exit 'provider'. */
export class DaemonClient {
  /** The status the daemon answered when this client connected. */
  lastStatus?: StatusResponse;

  constructor(
    readonly endpoint: DaemonEndpoint,
    readonly daemonLog: string,
  ) {}

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    let status: number;
    let text: string;
    try {
      const res = await send(
        this.endpoint.port,
        method,
        `${CONTROL_PREFIX}${path}`,
        { authorization: `Bearer ${this.endpoint.token}` },
        body === undefined ? undefined : JSON.stringify(body),
        options.timeoutMs ?? 300_000,
        options.signal,
      );
      status = res.statusCode ?? 0;
      text = await readAll(res);
    } catch (error) {
      throw unreachable(this.endpoint, error, this.daemonLog);
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (status >= 200 && status < 300) return parsed as T;
    const err = (parsed as ErrorBody | undefined)?.error;
    throw new SkyrunError({
      code: err?.code ?? 'LOCAL_DAEMON_ERROR',
      message: err?.message ?? `The local runtime daemon answered ${status}: ${text.slice(0, 200)}`,
      hint: err?.hint ?? `The daemon's own log is ${this.daemonLog}.`,
      exit: 'provider',
    });
  }

  status(timeoutMs = 2_000): Promise<StatusResponse> {
    return this.request<StatusResponse>('GET', '/status', undefined, { timeoutMs });
  }

  /** Stream NDJSON log lines; ends when the daemon ends the response or `signal` aborts. */
  async *streamLogs(query: Record<string, string | undefined>, signal?: AbortSignal): AsyncGenerator<StoredLogLine> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
    let res;
    try {
      res = await send(
        this.endpoint.port,
        'GET',
        `${CONTROL_PREFIX}/logs?${params}`,
        { authorization: `Bearer ${this.endpoint.token}` },
        undefined,
        0,
        signal,
      );
    } catch (error) {
      if (signal?.aborted) return;
      throw unreachable(this.endpoint, error, this.daemonLog);
    }
    if (res.statusCode !== 200) {
      const text = await readAll(res);
      const err = (JSON.parse(text || '{}') as Partial<ErrorBody>).error;
      throw new SkyrunError({
        code: err?.code ?? 'LOCAL_DAEMON_ERROR',
        message: err?.message ?? `The local runtime daemon answered ${res.statusCode}`,
        hint: err?.hint,
        exit: 'provider',
      });
    }
    let rest = '';
    try {
      for await (const chunk of res) {
        rest += (chunk as Buffer).toString('utf8');
        let nl: number;
        while ((nl = rest.indexOf('\n')) >= 0) {
          const line = rest.slice(0, nl);
          rest = rest.slice(nl + 1);
          if (line.trim()) yield JSON.parse(line) as StoredLogLine;
        }
      }
    } catch (error) {
      if (signal?.aborted) return;
      throw unreachable(this.endpoint, error, this.daemonLog);
    } finally {
      res.destroy();
    }
  }
}
