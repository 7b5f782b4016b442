import type { IncomingMessage } from 'node:http';
import type { HttpRoute } from '../types.js';

/** What the gateway read from one request. */
export interface RequestFacts {
  readonly requestId: string;
  readonly method: string;
  /** Path as the api sees it (base path removed), not decoded. */
  readonly path: string;
  readonly rawQueryString: string;
  readonly body: Buffer | null;
  readonly sourceIp: string;
  readonly timeEpoch: number;
  readonly apiId: string;
  readonly domainName: string;
}

const TEXT_TYPES =
  /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql|x-ndjson|ld\+json|yaml|x-yaml)|[^;]*\+(json|xml)\b|multipart\/form-data)/i;

/** API Gateway base64-encodes bodies it does not treat as text. */
export function isTextContentType(contentType: string | undefined): boolean {
  return contentType === undefined || contentType === '' || TEXT_TYPES.test(contentType);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
let cachedSecond = -1;
let cachedTime = '';

/** `09/Apr/2015:12:34:56 +0000`, as requestContext.requestTime / time. */
export function apiGatewayTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second === cachedSecond) return cachedTime;
  const d = new Date(second * 1000);
  const p = (n: number) => (n < 10 ? `0${n}` : String(n));
  cachedTime = `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
  cachedSecond = second;
  return cachedTime;
}

interface ParsedQuery {
  readonly single: Record<string, string>;
  readonly multi: Record<string, string[]>;
  readonly any: boolean;
}

function decodeQueryPart(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function parseQuery(raw: string): ParsedQuery {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  if (raw === '') return { single, multi, any: false };
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeQueryPart(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeQueryPart(pair.slice(eq + 1));
    single[key] = value;
    (multi[key] ??= []).push(value);
  }
  return { single, multi, any: Object.keys(multi).length > 0 };
}

function encodeBody(req: IncomingMessage, body: Buffer | null): { body: string | null; isBase64Encoded: boolean } {
  if (body === null || body.length === 0) return { body: null, isBase64Encoded: false };
  if (isTextContentType(req.headers['content-type'])) return { body: body.toString('utf8'), isBase64Encoded: false };
  return { body: body.toString('base64'), isBase64Encoded: true };
}

/** API Gateway REST (`http` events): payload format 1.0. */
export function buildV1Event(
  req: IncomingMessage,
  facts: RequestFacts,
  route: HttpRoute,
  pathParameters: Record<string, string> | null,
) {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i];
    headers[k] = raw[i + 1];
    (multiValueHeaders[k] ??= []).push(raw[i + 1]);
  }
  const q = parseQuery(facts.rawQueryString);
  const { body, isBase64Encoded } = encodeBody(req, facts.body);
  const userAgent = req.headers['user-agent'] ?? null;
  return {
    resource: route.path,
    path: facts.path,
    httpMethod: facts.method,
    headers,
    multiValueHeaders,
    queryStringParameters: q.any ? q.single : null,
    multiValueQueryStringParameters: q.any ? q.multi : null,
    pathParameters,
    stageVariables: null,
    requestContext: {
      accountId: '000000000000',
      apiId: facts.apiId,
      domainName: facts.domainName,
      domainPrefix: domainPrefixOf(facts.domainName),
      extendedRequestId: facts.requestId,
      httpMethod: facts.method,
      identity: {
        accessKey: null,
        accountId: null,
        caller: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: facts.sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
      path: `/${route.stage}${facts.path}`,
      protocol: `HTTP/${req.httpVersion}`,
      requestId: facts.requestId,
      requestTime: apiGatewayTime(facts.timeEpoch),
      requestTimeEpoch: facts.timeEpoch,
      resourceId: facts.apiId,
      resourcePath: route.path,
      stage: route.stage,
    },
    body,
    isBase64Encoded,
  };
}

/** HTTP API (`httpApi` events): payload format 2.0. Headers lower-cased, repeated ones comma-joined, cookies apart. */
export function buildV2Event(
  req: IncomingMessage,
  facts: RequestFacts,
  route: HttpRoute,
  pathParameters: Record<string, string> | null,
) {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i].toLowerCase();
    const v = raw[i + 1];
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
  const routeKey = routeKeyOf(route);
  const { body, isBase64Encoded } = encodeBody(req, facts.body);
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey,
    rawPath: facts.path,
    rawQueryString: facts.rawQueryString,
  };
  if (cookies) event.cookies = cookies;
  event.headers = headers;
  if (facts.rawQueryString !== '') {
    const q = parseQuery(facts.rawQueryString);
    if (q.any) {
      const joined: Record<string, string> = {};
      for (const [k, vs] of Object.entries(q.multi)) joined[k] = vs.join(',');
      event.queryStringParameters = joined;
    }
  }
  event.requestContext = {
    accountId: '000000000000',
    apiId: facts.apiId,
    domainName: facts.domainName,
    domainPrefix: domainPrefixOf(facts.domainName),
    http: {
      method: facts.method,
      path: facts.path,
      protocol: `HTTP/${req.httpVersion}`,
      sourceIp: facts.sourceIp,
      userAgent: req.headers['user-agent'] ?? '',
    },
    requestId: facts.requestId,
    routeKey,
    stage: '$default',
    time: apiGatewayTime(facts.timeEpoch),
    timeEpoch: facts.timeEpoch,
  };
  if (pathParameters) event.pathParameters = pathParameters;
  if (body !== null) event.body = body;
  event.isBase64Encoded = isBase64Encoded;
  return event;
}

function domainPrefixOf(domainName: string): string {
  const dot = domainName.indexOf('.');
  return dot === -1 ? domainName : domainName.slice(0, dot);
}

export function routeKeyOf(route: HttpRoute): string {
  const p = route.path.trim();
  if (p === '*' || p === '$default' || p === '/*') return '$default';
  return `${route.method === '*' ? 'ANY' : route.method.toUpperCase()} ${route.path}`;
}
