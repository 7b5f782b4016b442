import type { CorsSettings } from '@skyrun/core';

export type HeaderMap = Record<string, string | string[]>;

function allowedOrigin(cors: CorsSettings, origin: string | undefined): string | undefined {
  if (cors.origins.includes('*')) return cors.allowCredentials && origin ? origin : '*';
  if (origin && cors.origins.includes(origin)) return origin;
  return undefined;
}

/** Headers on an actual (non-preflight) response; the handler's own CORS headers win. */
export function applyCorsHeaders(headers: HeaderMap, cors: CorsSettings, origin: string | undefined): void {
  const allow = allowedOrigin(cors, origin);
  if (allow === undefined || headers['access-control-allow-origin'] !== undefined) return;
  headers['access-control-allow-origin'] = allow;
  if (allow !== '*') headers.vary = headers.vary ? `${String(headers.vary)}, Origin` : 'Origin';
  if (cors.allowCredentials) headers['access-control-allow-credentials'] = 'true';
  if (cors.exposedHeaders.length > 0) headers['access-control-expose-headers'] = cors.exposedHeaders.join(',');
}

/** Headers answering a preflight (`OPTIONS` with `Access-Control-Request-Method`). */
export function preflightHeaders(
  cors: CorsSettings,
  origin: string | undefined,
  routeMethods: readonly string[],
  requestHeaders: string | undefined,
): HeaderMap {
  const headers: HeaderMap = {};
  const allow = allowedOrigin(cors, origin);
  if (allow === undefined) return headers;
  headers['access-control-allow-origin'] = allow;
  if (allow !== '*') headers.vary = 'Origin';
  const methods =
    cors.methods.length > 0 ? cors.methods : [...new Set(routeMethods.map((m) => (m === 'ANY' ? '*' : m))), 'OPTIONS'];
  headers['access-control-allow-methods'] = methods.join(',');
  const allowHeaders = cors.headers.length > 0 ? cors.headers.join(',') : requestHeaders;
  if (allowHeaders) headers['access-control-allow-headers'] = allowHeaders;
  if (cors.allowCredentials) headers['access-control-allow-credentials'] = 'true';
  if (cors.maxAge !== undefined) headers['access-control-max-age'] = String(cors.maxAge);
  if (cors.exposedHeaders.length > 0) headers['access-control-expose-headers'] = cors.exposedHeaders.join(',');
  return headers;
}
