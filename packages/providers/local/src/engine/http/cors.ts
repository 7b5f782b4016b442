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

/** A `[name, value, ...]` header list with the CORS headers of an actual response added (the handler's win). */
export function withCorsHeaders(list: readonly string[], cors: CorsSettings, origin: string | undefined): string[] {
  const headers: HeaderMap = {};
  for (let i = 0; i < list.length; i += 2) {
    const k = list[i];
    const prev = headers[k];
    headers[k] = prev === undefined ? list[i + 1] : [...(Array.isArray(prev) ? prev : [prev]), list[i + 1]];
  }
  applyCorsHeaders(headers, cors, origin);
  const out: string[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (Array.isArray(v)) for (const one of v) out.push(k, one);
    else out.push(k, v);
  }
  return out;
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
