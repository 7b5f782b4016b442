/** The part of an HTTP API (payload 2.0) event this handler reads. */
export interface HttpEvent {
  rawPath?: string;
  queryStringParameters?: Record<string, string | undefined>;
  requestContext?: { http?: { method?: string } };
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The part of a scheduled event this handler reads. */
export interface ScheduledEvent {
  time?: string;
}

export const hello = async (event: HttpEvent): Promise<HttpResponse> => {
  const name = event.queryStringParameters?.name ?? 'world';
  console.log(`hello called: ${event.requestContext?.http?.method ?? 'direct'} ${event.rawPath ?? ''}`.trim());
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: `Hello, ${name}!` }),
  };
};

export const tick = async (event: ScheduledEvent): Promise<{ ok: boolean }> => {
  console.log(`tick at ${event.time ?? new Date().toISOString()}`);
  return { ok: true };
};
