// API Gateway adapter, dependency-free: turns the request the gateway read into the API Gateway v1 (REST, `http`)
// or v2 (HTTP API, `httpApi`) event, and a handler's result into the HTTP response API Gateway would send.
// The one implementation of that mapping: the Node worker runs it next to the handler (so the gateway only
// forwards raw request bytes and writes raw response bytes), and the engine runs it in process for workers
// that do not (Python). Types: http-adapter.d.mts.
import { BAD_VALUE, TOKEN } from './plain-http.mjs';

const TEXT_TYPES =
  /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql|x-ndjson|ld\+json|yaml|x-yaml)|[^;]*\+(json|xml)\b|multipart\/form-data)/i;

/** API Gateway base64-encodes bodies it does not treat as text. */
export function isTextContentType(contentType) {
  return contentType === undefined || contentType === '' || TEXT_TYPES.test(contentType);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
let cachedSecond = -1;
let cachedTime = '';

/** `09/Apr/2015:12:34:56 +0000`, as requestContext.requestTime / time. */
export function apiGatewayTime(epochMs) {
  const second = Math.floor(epochMs / 1000);
  if (second === cachedSecond) return cachedTime;
  const d = new Date(second * 1000);
  const p = (n) => (n < 10 ? `0${n}` : String(n));
  cachedTime = `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
  cachedSecond = second;
  return cachedTime;
}

/** `GET /items/{id}`, `ANY /x`, or `$default` for a catch-all route. */
export function routeKeyOf(method, path) {
  const p = path.trim();
  if (p === '*' || p === '$default' || p === '/*') return '$default';
  return `${method === '*' ? 'ANY' : method.toUpperCase()} ${path}`;
}

function decodeQueryPart(s) {
  if (s.indexOf('%') === -1 && s.indexOf('+') === -1) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** `{ single, multi }` (null when the query string has no parameter). */
function parseQuery(raw) {
  if (raw === '') return null;
  const single = {};
  const multi = {};
  let any = false;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeQueryPart(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeQueryPart(pair.slice(eq + 1));
    single[key] = value;
    (multi[key] ??= []).push(value);
    any = true;
  }
  return any ? { single, multi } : null;
}

/** The first value of a header in a raw header list (as node:http's `req.headers` keeps it for these). */
function firstHeader(raw, lowerName) {
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i];
    if (k.length === lowerName.length && k.toLowerCase() === lowerName) return raw[i + 1];
  }
  return undefined;
}

const NO_BODY = Object.freeze({ body: null, isBase64Encoded: false });

function encodeBody(raw, body) {
  if (body === null || body === undefined || body.length === 0) return NO_BODY;
  if (isTextContentType(firstHeader(raw, 'content-type')))
    return { body: body.toString('utf8'), isBase64Encoded: false };
  return { body: body.toString('base64'), isBase64Encoded: true };
}

function domainPrefixOf(domainName) {
  const dot = domainName.indexOf('.');
  return dot === -1 ? domainName : domainName.slice(0, dot);
}

// Per-request values that are the same from one request to the next (the same route, host and protocol): the
// last one is kept rather than made again for every event.
let lastRoute = { method: '', path: '', key: '' };
function cachedRouteKey(method, path) {
  const last = lastRoute;
  if (last.method === method && last.path === path) return last.key;
  lastRoute = { method, path, key: routeKeyOf(method, path) };
  return lastRoute.key;
}
let lastDomain = { name: '', prefix: '' };
function cachedDomainPrefix(domainName) {
  const last = lastDomain;
  if (last.name === domainName) return last.prefix;
  lastDomain = { name: domainName, prefix: domainPrefixOf(domainName) };
  return lastDomain.prefix;
}
function protocolOf(httpVersion) {
  return httpVersion === '1.1' ? 'HTTP/1.1' : `HTTP/${httpVersion}`;
}

/**
 * The event for one request. `request` (see HttpRequest in http-adapter.d.mts): what the gateway read (method,
 * path, raw query string, raw header list, remote address, time) and matched (route, path parameters, stage).
 */
export function buildHttpEvent(request, body) {
  return request.v === '1.0' ? buildV1Event(request, body) : buildV2Event(request, body);
}

/** API Gateway REST (`http` events): payload format 1.0. */
function buildV1Event(r, rawBody) {
  const headers = {};
  const multiValueHeaders = {};
  const raw = r.headers;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i];
    headers[k] = raw[i + 1];
    (multiValueHeaders[k] ??= []).push(raw[i + 1]);
  }
  const q = parseQuery(r.query);
  const { body, isBase64Encoded } = encodeBody(raw, rawBody);
  const domainName = firstHeader(raw, 'host') ?? 'localhost';
  return {
    resource: r.resource,
    path: r.path,
    httpMethod: r.method,
    headers,
    multiValueHeaders,
    queryStringParameters: q ? q.single : null,
    multiValueQueryStringParameters: q ? q.multi : null,
    pathParameters: r.params,
    stageVariables: null,
    requestContext: {
      accountId: '000000000000',
      apiId: r.apiId,
      domainName,
      domainPrefix: cachedDomainPrefix(domainName),
      extendedRequestId: r.id,
      httpMethod: r.method,
      identity: {
        accessKey: null,
        accountId: null,
        caller: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: r.ip,
        user: null,
        userAgent: firstHeader(raw, 'user-agent') ?? null,
        userArn: null,
      },
      path: `/${r.stage}${r.path}`,
      protocol: protocolOf(r.httpVersion),
      requestId: r.id,
      requestTime: apiGatewayTime(r.time),
      requestTimeEpoch: r.time,
      resourceId: r.apiId,
      resourcePath: r.resource,
      stage: r.stage,
    },
    body,
    isBase64Encoded,
  };
}

/** HTTP API (`httpApi` events): payload format 2.0. Headers lower-cased, repeated ones comma-joined, cookies apart. */
function buildV2Event(r, rawBody) {
  const headers = {};
  let cookies;
  let userAgent;
  const raw = r.headers;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i].toLowerCase();
    const v = raw[i + 1];
    if (k === 'user-agent') userAgent ??= v;
    if (k === 'cookie') {
      for (const c of v.split(';')) {
        const t = c.trim();
        if (t !== '') (cookies ??= []).push(t);
      }
      continue;
    }
    const prev = headers[k];
    headers[k] = prev === undefined ? v : `${prev},${v}`;
  }
  const routeKey = cachedRouteKey(r.routeMethod, r.resource);
  const { body, isBase64Encoded } = encodeBody(raw, rawBody);
  const domainName = headers.host ?? 'localhost';
  const requestContext = {
    accountId: '000000000000',
    apiId: r.apiId,
    domainName,
    domainPrefix: cachedDomainPrefix(domainName),
    http: {
      method: r.method,
      path: r.path,
      protocol: protocolOf(r.httpVersion),
      sourceIp: r.ip,
      userAgent: userAgent ?? '',
    },
    requestId: r.id,
    routeKey,
    stage: '$default',
    time: apiGatewayTime(r.time),
    timeEpoch: r.time,
  };
  const q = parseQuery(r.query);
  // The common request (no cookie, query, path parameter or body) in one object literal: one allocation, where
  // adding the fields one by one grows the object several times.
  if (cookies === undefined && q === null && !r.params && body === null) {
    return {
      version: '2.0',
      routeKey,
      rawPath: r.path,
      rawQueryString: r.query,
      headers,
      requestContext,
      isBase64Encoded,
    };
  }
  const event = { version: '2.0', routeKey, rawPath: r.path, rawQueryString: r.query };
  if (cookies) event.cookies = cookies;
  event.headers = headers;
  if (q) {
    const joined = {};
    for (const k of Object.keys(q.multi)) joined[k] = q.multi[k].join(',');
    event.queryStringParameters = joined;
  }
  event.requestContext = requestContext;
  if (r.params) event.pathParameters = r.params;
  if (body !== null) event.body = body;
  event.isBase64Encoded = isBase64Encoded;
  return event;
}

// ------------------------------------------------------------------ responses

function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A handler's result reaches API Gateway as JSON: a header value is what JSON makes of it (a Date its ISO
 * string, a function nothing). `undefined`: the value is dropped.
 */
function headerValue(v) {
  const t = typeof v;
  if (t === 'string') return v;
  if (t === 'number' || t === 'boolean') return String(v);
  if (v === undefined || v === null || t === 'function' || t === 'symbol') return undefined;
  const json = JSON.stringify(v);
  if (json === undefined) return undefined;
  const back = JSON.parse(json);
  return back === null ? undefined : String(back);
}

/**
 * Not passed on from a handler: the ones the gateway sets on every response (a handler's value would only
 * duplicate them), and the hop-by-hop ones (RFC 9110 7.6.1), which are about the connection between the gateway
 * and its client, not the handler's to set (a handler's `connection: close` does not close the client's).
 */
const GATEWAY_HEADERS = new Set([
  'content-length',
  'x-amzn-requestid',
  'apigw-requestid',
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The response, or undefined when a header of it cannot be sent (a name that is no token, a line break). */
function sendable(response) {
  const headers = response.headers;
  for (let i = 0; i < headers.length; i += 2) {
    if (!TOKEN.test(headers[i]) || BAD_VALUE.test(headers[i + 1])) return undefined;
  }
  return response;
}

function addHeaders(out, headers, multi) {
  if (headers !== undefined && headers !== null) {
    if (!isObject(headers)) return false;
    for (const k of Object.keys(headers)) {
      const v = headerValue(headers[k]);
      if (v === undefined) continue;
      out[k.toLowerCase()] = v;
    }
  }
  if (multi !== undefined && multi !== null) {
    if (!isObject(multi)) return false;
    for (const k of Object.keys(multi)) {
      const v = multi[k];
      if (v === undefined || typeof v === 'function') continue;
      if (!Array.isArray(v)) return false;
      const key = k.toLowerCase();
      const existing = out[key];
      const values = v.map((x) => (x === null || x === undefined ? 'null' : (headerValue(x) ?? 'null')));
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

/** `[name, value, name, value, ...]`, names lower-case, for `res.writeHead(status, list)`. */
function flatten(headers) {
  const list = [];
  for (const k of Object.keys(headers)) {
    if (GATEWAY_HEADERS.has(k)) continue;
    const v = headers[k];
    if (Array.isArray(v)) for (const x of v) list.push(k, x);
    else list.push(k, v);
  }
  return list;
}

/**
 * The common case of `addHeaders` + `flatten` without the object between them: single-valued `headers` (a plain
 * object or none) whose names differ in more than case. Undefined when that is not the case (the general path
 * decides), else the list with `content-type` defaulted to JSON.
 */
function simpleHeaderList(headers) {
  if (headers === undefined || headers === null) return ['content-type', 'application/json'];
  if (!isObject(headers)) return undefined;
  const list = [];
  let hasType = false;
  for (const k of Object.keys(headers)) {
    const v = headerValue(headers[k]);
    if (v === undefined) continue;
    const key = k.toLowerCase();
    if (GATEWAY_HEADERS.has(key)) continue;
    // The same name twice (in another case): the general path keeps the last value at the first one's place.
    for (let i = 0; i < list.length; i += 2) if (list[i] === key) return undefined;
    if (key === 'content-type') hasType = true;
    list.push(key, v);
  }
  if (!hasType) list.push('content-type', 'application/json');
  return list;
}

function bodyOf(result, lenientBody) {
  const body = result.body;
  if (body === undefined || body === null || typeof body === 'function' || typeof body === 'symbol') return '';
  if (typeof body !== 'string') return lenientBody ? JSON.stringify(body) : undefined;
  return result.isBase64Encoded === true ? Buffer.from(body, 'base64') : body;
}

/** A final status: a 1xx one is an interim answer that a response cannot end with. */
function validStatus(v) {
  return typeof v === 'number' && Number.isInteger(v) && v >= 200 && v <= 599;
}

/**
 * A result object that is not plain data (a class instance, something with `toJSON`) is mapped as the JSON
 * it turns into, as it would reach API Gateway. Throws what JSON.stringify throws (a circular structure).
 */
function asData(result) {
  if (result === undefined) return null;
  if (typeof result !== 'object' || result === null) return result;
  const proto = Object.getPrototypeOf(result);
  if ((proto === Object.prototype || proto === null) && typeof result.toJSON !== 'function') return result;
  const json = JSON.stringify(result);
  return json === undefined ? null : JSON.parse(json);
}

/**
 * The HTTP response for a handler's result (`{ statusCode, headers: [name, value, ...], body }`), or undefined
 * for a malformed proxy response (API Gateway answers 502): a status that is not final (200-599), a header that
 * cannot be sent (a name that is no token, a line break in a value). REST (1.0): the result must be `{ statusCode,
 * headers?, multiValueHeaders?, body?: string, isBase64Encoded? }`. HTTP api (2.0): a result with `statusCode`
 * is a structured response (headers, cookies, isBase64Encoded); any other value (object, array, string,
 * number) is a 200 with JSON, as API Gateway infers. Throws when the result cannot be serialised.
 */
export function mapHttpResult(payloadVersion, handlerResult) {
  const result = asData(handlerResult);
  if (payloadVersion === '1.0') {
    if (!isObject(result) || !validStatus(result.statusCode)) return undefined;
    const headers = {};
    if (!addHeaders(headers, result.headers, result.multiValueHeaders)) return undefined;
    const body = bodyOf(result, false);
    if (body === undefined) return undefined;
    if (headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    return sendable({ statusCode: result.statusCode, headers: flatten(headers), body });
  }
  if (isObject(result) && result.statusCode !== undefined && typeof result.statusCode !== 'function') {
    if (!validStatus(result.statusCode)) return undefined;
    if (result.multiValueHeaders === undefined && result.cookies === undefined) {
      const list = simpleHeaderList(result.headers);
      if (list !== undefined) {
        const body = bodyOf(result, true);
        if (body === undefined) return undefined;
        return sendable({ statusCode: result.statusCode, headers: list, body });
      }
    }
    const headers = {};
    if (!addHeaders(headers, result.headers, result.multiValueHeaders)) return undefined;
    if (result.cookies !== undefined) {
      if (!Array.isArray(result.cookies)) return undefined;
      const existing = headers['set-cookie'];
      const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
      headers['set-cookie'] = [
        ...list,
        ...result.cookies.map((c) => (c === null || c === undefined ? 'null' : (headerValue(c) ?? 'null'))),
      ];
    }
    const body = bodyOf(result, true);
    if (body === undefined) return undefined;
    if (headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    return sendable({ statusCode: result.statusCode, headers: flatten(headers), body });
  }
  const body =
    typeof result === 'string' ? result : result === null || result === undefined ? '' : JSON.stringify(result);
  return { statusCode: 200, headers: ['content-type', 'application/json'], body };
}

/**
 * Why `mapHttpResult` found a handler's result malformed, for the developer: API Gateway itself says no more than
 * "Malformed Lambda proxy response", and only in its own logs.
 */
export function malformedReason(payloadVersion, handlerResult) {
  const result = asData(handlerResult);
  if (!isObject(result)) {
    return `a REST API (http event) handler must return an object { statusCode, headers, body }, not ${shown(result)}`;
  }
  if (!validStatus(result.statusCode)) {
    return `statusCode must be a whole number from 200 to 599, not ${shown(result.statusCode)}`;
  }
  if (result.headers !== undefined && result.headers !== null && !isObject(result.headers)) {
    return `headers must be an object of header names and values, not ${shown(result.headers)}`;
  }
  const multi = result.multiValueHeaders;
  if (multi !== undefined && multi !== null) {
    if (!isObject(multi)) return `multiValueHeaders must be an object of header names and arrays of values`;
    for (const k of Object.keys(multi)) {
      const v = multi[k];
      if (v !== undefined && typeof v !== 'function' && !Array.isArray(v)) {
        return `multiValueHeaders[${JSON.stringify(k)}] must be an array of values, not ${shown(v)}`;
      }
    }
  }
  if (payloadVersion !== '1.0' && result.cookies !== undefined && !Array.isArray(result.cookies)) {
    return `cookies must be an array of strings, not ${shown(result.cookies)}`;
  }
  const body = result.body;
  if (payloadVersion === '1.0' && body !== undefined && body !== null && typeof body !== 'string') {
    return `body must be a string (JSON.stringify it), not ${shown(body)}`;
  }
  const named = [
    ...Object.entries(isObject(result.headers) ? result.headers : {}).map(([k, v]) => [k, [v]]),
    ...Object.entries(isObject(multi) ? multi : {}),
    ['set-cookie', Array.isArray(result.cookies) ? result.cookies : []],
  ];
  for (const [name, values] of named) {
    if (!Array.isArray(values)) continue;
    for (const v of values) {
      const value = headerValue(v);
      if (value === undefined) continue;
      if (!TOKEN.test(name)) return `header name ${JSON.stringify(name)} is not a valid HTTP header name`;
      if (BAD_VALUE.test(value)) {
        return `the value of header ${JSON.stringify(name)} has a line break or another character HTTP does not allow: ${JSON.stringify(value)}`;
      }
    }
  }
  return 'the result is not an API Gateway proxy response';
}

/** A value as a short text for a message. */
function shown(v) {
  if (v === undefined) return 'undefined';
  if (typeof v === 'function') return 'a function';
  const text = typeof v === 'bigint' ? `${v}n` : (JSON.stringify(v) ?? typeof v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
