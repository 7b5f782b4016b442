import type { RawResponse } from '../types.js';

/**
 * Adds the headers API Gateway puts on every answer: the request id and the body's length. The request id's
 * header is the API's: an HTTP API (`httpApi`, payload 2.0) sends `apigw-requestid`, a REST API (`http`, 1.0)
 * `x-amzn-requestid`. `payloadVersion` undefined (an answer for no known route: the client may have meant
 * either): both. Returns `headers`, `[name, value, ...]`, changed in place.
 */
export function addGatewayHeaders(
  headers: string[],
  requestId: string,
  body: Buffer | string,
  payloadVersion?: '1.0' | '2.0',
): string[] {
  if (payloadVersion !== '2.0') headers.push('x-amzn-requestid', requestId);
  if (payloadVersion !== '1.0') headers.push('apigw-requestid', requestId);
  headers.push('content-length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.length));
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
