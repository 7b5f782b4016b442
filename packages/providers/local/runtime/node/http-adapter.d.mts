/** What the gateway read from one request and matched it to: everything the event is built from. */
export interface HttpRequest {
  /** Payload format: 1.0 (REST, `http` events) or 2.0 (HTTP API, `httpApi` events). */
  readonly v: '1.0' | '2.0';
  /** Request id (requestContext.requestId). */
  readonly id: string;
  /** Upper-case request method. */
  readonly method: string;
  /** Path as the api sees it (base path removed), not decoded. */
  readonly path: string;
  /** Raw query string, without `?`. */
  readonly query: string;
  /** `req.rawHeaders`: names as sent, `[name, value, name, value, ...]`. */
  readonly headers: readonly string[];
  /** Remote address (IPv4-mapped IPv6 addresses as IPv4). */
  readonly ip: string;
  /** Epoch ms when the request arrived. */
  readonly time: number;
  /** `1.1`. */
  readonly httpVersion: string;
  readonly apiId: string;
  /** The matched route's path template (`/users/{id}`) and method (`GET`, `ANY`, `*`). */
  readonly resource: string;
  readonly routeMethod: string;
  readonly stage: string;
  readonly params: Record<string, string> | null;
}

/** The HTTP response for a handler result: header names lower-case, `[name, value, ...]`. */
export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: string[];
  readonly body: Buffer | string;
}

export function isTextContentType(contentType: string | undefined): boolean;
export function apiGatewayTime(epochMs: number): string;
export function routeKeyOf(method: string, path: string): string;
/** The API Gateway v1 or v2 event for a request and its body (null: none). */
export function buildHttpEvent(request: HttpRequest, body: Buffer | null): Record<string, unknown>;
/** The response API Gateway sends for a handler's result; undefined for a malformed proxy response (502). */
export function mapHttpResult(payloadVersion: '1.0' | '2.0', handlerResult: unknown): HttpResponse | undefined;
/** Why mapHttpResult found a result malformed, in words for the developer. */
export function malformedReason(payloadVersion: '1.0' | '2.0', handlerResult: unknown): string;
