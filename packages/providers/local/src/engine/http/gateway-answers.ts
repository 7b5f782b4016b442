import type { RawResponse } from '../types.js';

/**
 * Adds the headers API Gateway puts on every answer: the request id (both names) and the body's length.
 * Returns `headers`, `[name, value, ...]`, changed in place.
 */
export function addGatewayHeaders(headers: string[], requestId: string, body: Buffer | string): string[] {
  headers.push(
    'x-amzn-requestid',
    requestId,
    'apigw-requestid',
    requestId,
    'content-length',
    String(typeof body === 'string' ? Buffer.byteLength(body) : body.length),
  );
  return headers;
}

/**
 * API Gateway's own answer (not a handler's): JSON `{ message, requestId }` with the request id headers.
 * 403/404 carry the error type API Gateway names. `extra`: more headers, `[name, value, ...]` (CORS).
 */
export function gatewayError(
  status: number,
  message: string,
  requestId: string,
  extra: readonly string[] = [],
): RawResponse {
  const body = JSON.stringify({ message, requestId });
  const headers = ['content-type', 'application/json', ...extra];
  if (status === 403) headers.push('x-amzn-errortype', 'MissingAuthenticationTokenException');
  else if (status === 404) headers.push('x-amzn-errortype', 'NotFoundException');
  return { status, headers: addGatewayHeaders(headers, requestId, body), body };
}
