import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly body: string;
}

/** One request to 127.0.0.1 without keep-alive (the CLI must be free to exit at once). */
export function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: {
          ...headers,
          connection: 'close',
          ...(body !== undefined
            ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }
            : {}),
        },
        signal,
      },
      resolve,
    );
    req.setTimeout(timeoutMs, () =>
      req.destroy(
        Object.assign(new Error(`no answer from 127.0.0.1:${port} in ${timeoutMs} ms`), { code: 'ETIMEDOUT' }),
      ),
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
