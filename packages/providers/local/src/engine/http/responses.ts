import type { HeaderMap } from './cors.js';

export interface MappedResponse {
  readonly statusCode: number;
  readonly headers: HeaderMap;
  readonly body: Buffer | string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function addHeaders(out: HeaderMap, headers: unknown, multi: unknown): boolean {
  if (headers !== undefined && headers !== null) {
    if (!isObject(headers)) return false;
    for (const [k, v] of Object.entries(headers)) {
      if (v === undefined || v === null) continue;
      out[k.toLowerCase()] = String(v);
    }
  }
  if (multi !== undefined && multi !== null) {
    if (!isObject(multi)) return false;
    for (const [k, v] of Object.entries(multi)) {
      if (!Array.isArray(v)) return false;
      const key = k.toLowerCase();
      const existing = out[key];
      const values = v.map(String);
      // multiValueHeaders and headers both set: API Gateway sends the multi values (and keeps a distinct header value).
      if (existing === undefined) out[key] = values.length === 1 ? values[0] : values;
      else {
        const merged = [...new Set([...(Array.isArray(existing) ? existing : [existing]), ...values])];
        out[key] = merged.length === 1 ? merged[0] : merged;
      }
    }
  }
  return true;
}

function bodyOf(result: Record<string, unknown>, lenientBody: boolean): Buffer | string | undefined {
  const body = result.body;
  if (body === undefined || body === null) return '';
  if (typeof body !== 'string') {
    if (!lenientBody) return undefined;
    return JSON.stringify(body);
  }
  return result.isBase64Encoded === true ? Buffer.from(body, 'base64') : body;
}

function validStatus(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599;
}

/**
 * REST api (payload 1.0): the result must be `{ statusCode, headers?, multiValueHeaders?, body?: string,
 * isBase64Encoded? }`; anything else is a malformed proxy response (502 as API Gateway).
 */
export function mapV1Response(result: unknown): MappedResponse | undefined {
  if (!isObject(result) || !validStatus(result.statusCode)) return undefined;
  const headers: HeaderMap = {};
  if (!addHeaders(headers, result.headers, result.multiValueHeaders)) return undefined;
  const body = bodyOf(result, false);
  if (body === undefined) return undefined;
  if (headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  return { statusCode: result.statusCode, headers, body };
}

/**
 * HTTP api (payload 2.0): a result with `statusCode` is a structured response (headers, cookies,
 * isBase64Encoded); any other value (object, array, string, number) is a 200 with JSON, as API Gateway infers.
 */
export function mapV2Response(result: unknown): MappedResponse | undefined {
  if (isObject(result) && 'statusCode' in result) {
    if (!validStatus(result.statusCode)) return undefined;
    const headers: HeaderMap = {};
    if (!addHeaders(headers, result.headers, result.multiValueHeaders)) return undefined;
    if (result.cookies !== undefined) {
      if (!Array.isArray(result.cookies)) return undefined;
      const existing = headers['set-cookie'];
      const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
      headers['set-cookie'] = [...list, ...result.cookies.map(String)];
    }
    const body = bodyOf(result, true);
    if (body === undefined) return undefined;
    if (headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    return { statusCode: result.statusCode, headers, body };
  }
  const body =
    typeof result === 'string' ? result : result === null || result === undefined ? '' : JSON.stringify(result);
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body };
}
