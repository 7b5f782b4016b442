import { DEFAULT_CORS_HEADERS, HTTP_METHODS } from '../schema/core-schema.js';
import type { CorsSettings, FunctionEvent, HttpEvent, QueueEvent, ScheduleEvent, StorageEvent } from './model.js';

type Plain = Record<string, unknown>;

export interface EventContext {
  /** `provider.httpApi` (payload, cors), as written. */
  readonly httpApi: Plain;
}

export const DEFAULT_QUEUE_BATCH_SIZE = 10;
export const DEFAULT_STORAGE_EVENTS = ['s3:ObjectCreated:*'] as const;

const isObject = (value: unknown): value is Plain =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const strings = (value: unknown): string[] =>
  value === undefined || value === null ? [] : (Array.isArray(value) ? value : [value]).map(String);

/** One `events:` item → the portable model; unknown kinds become `{kind: 'provider'}`. */
export function normaliseEvent(item: unknown, index: number, context: EventContext): FunctionEvent {
  const raw: Plain = isObject(item) ? item : {};
  const type = Object.keys(raw)[0] ?? String(item);
  const value = raw[type];
  switch (type) {
    case 'http':
      return normaliseHttp(value, index, raw);
    case 'httpApi':
      return normaliseHttpApi(value, index, raw, context);
    case 'schedule':
      return normaliseSchedule(value, index, raw);
    case 'queue':
      return normaliseQueue(value, index, raw);
    case 'storage':
      return normaliseStorage(value, index, raw);
    default:
      return { kind: 'provider', type, index, raw };
  }
}

function method(value: unknown): string {
  const upper = String(value ?? 'ANY').toUpperCase();
  return upper === '*' ? 'ANY' : upper;
}

/** `"GET /users"` → `['GET', '/users']` (the path keeps any further spaces' text). */
function splitShorthand(value: string): [string | undefined, string] {
  const trimmed = value.trim();
  const space = trimmed.indexOf(' ');
  return space < 0 ? [undefined, trimmed] : [trimmed.slice(0, space), trimmed.slice(space + 1).trim()];
}

function normaliseHttp(value: unknown, index: number, raw: Plain): HttpEvent {
  let verb: unknown;
  let rawPath: unknown;
  let cors: unknown;
  if (isObject(value)) ({ method: verb, path: rawPath, cors } = value);
  else [verb, rawPath] = splitShorthand(String(value ?? ''));
  // v3 strips leading and trailing slashes of REST paths; the model keeps a leading one.
  const path = `/${String(rawPath ?? '')
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')}`;
  const normalisedMethod = method(verb);
  return {
    kind: 'http',
    api: 'rest',
    payloadVersion: '1.0',
    method: normalisedMethod,
    path,
    ...(cors ? { cors: restCors(cors, normalisedMethod) } : {}),
    index,
    raw,
  };
}

/** v3's `getCors`: `true` → any origin, the default headers, OPTIONS + the event's method. */
function restCors(cors: unknown, eventMethod: string): CorsSettings {
  if (!isObject(cors)) {
    return {
      origins: ['*'],
      headers: [...DEFAULT_CORS_HEADERS],
      methods: ['OPTIONS', eventMethod],
      allowCredentials: false,
      exposedHeaders: [],
    };
  }
  const origins = [...strings(cors.origin), ...strings(cors.origins)];
  const methods = strings(cors.methods).map((m) => m.toUpperCase());
  if (!methods.includes('OPTIONS')) methods.push('OPTIONS');
  if (!methods.includes(eventMethod)) methods.push(eventMethod);
  return {
    origins: origins.length ? [...new Set(origins)] : ['*'],
    headers: cors.headers === undefined ? [...DEFAULT_CORS_HEADERS] : strings(cors.headers),
    methods,
    allowCredentials: Boolean(cors.allowCredentials),
    exposedHeaders: [],
    ...(typeof cors.maxAge === 'number' ? { maxAge: cors.maxAge } : {}),
  };
}

function normaliseHttpApi(value: unknown, index: number, raw: Plain, context: EventContext): HttpEvent {
  let verb: unknown;
  let rawPath: unknown;
  if (isObject(value)) ({ method: verb, path: rawPath } = value);
  else if (String(value).trim() === '*') rawPath = '*';
  else [verb, rawPath] = splitShorthand(String(value ?? ''));
  const pathText = String(rawPath ?? '*');
  const path = pathText === '*' ? '*' : pathText.startsWith('/') ? pathText : `/${pathText}`;
  const normalisedMethod = path === '*' ? 'ANY' : method(verb);
  const cors = httpApiCors(context.httpApi.cors, normalisedMethod);
  return {
    kind: 'http',
    api: 'http',
    payloadVersion: String(context.httpApi.payload) === '1.0' ? '1.0' : '2.0',
    method: normalisedMethod,
    path,
    ...(cors ? { cors } : {}),
    index,
    raw,
  };
}

/** `provider.httpApi.cors` as it applies to one route (v3's HTTP API defaults for `true`). */
function httpApiCors(cors: unknown, eventMethod: string): CorsSettings | undefined {
  if (!cors) return undefined;
  const settings = isObject(cors) ? cors : {};
  const routeMethods = eventMethod === 'ANY' ? HTTP_METHODS.filter((m) => m !== 'ANY') : [eventMethod];
  const methods =
    settings.allowedMethods === undefined
      ? [...new Set(['OPTIONS', ...routeMethods])]
      : strings(settings.allowedMethods).map((m) => m.toUpperCase());
  return {
    origins: settings.allowedOrigins === undefined ? ['*'] : strings(settings.allowedOrigins),
    headers: settings.allowedHeaders === undefined ? [...DEFAULT_CORS_HEADERS] : strings(settings.allowedHeaders),
    methods,
    allowCredentials: settings.allowCredentials === true,
    exposedHeaders: strings(settings.exposedResponseHeaders),
    ...(typeof settings.maxAge === 'number' ? { maxAge: settings.maxAge } : {}),
  };
}

function normaliseSchedule(value: unknown, index: number, raw: Plain): ScheduleEvent {
  if (!isObject(value)) return { kind: 'schedule', expressions: strings(value), enabled: true, index, raw };
  return {
    kind: 'schedule',
    expressions: strings(value.rate),
    enabled: value.enabled !== false,
    ...(value.input !== undefined ? { input: value.input } : {}),
    ...(typeof value.name === 'string' ? { name: value.name } : {}),
    ...(typeof value.description === 'string' ? { description: value.description } : {}),
    index,
    raw,
  };
}

function normaliseQueue(value: unknown, index: number, raw: Plain): QueueEvent {
  const settings = isObject(value) ? value : { name: value };
  const batchSize = typeof settings.batchSize === 'number' ? settings.batchSize : DEFAULT_QUEUE_BATCH_SIZE;
  return { kind: 'queue', queue: String(settings.name ?? ''), batchSize, index, raw };
}

function normaliseStorage(value: unknown, index: number, raw: Plain): StorageEvent {
  const settings = isObject(value) ? value : { bucket: value };
  const events = strings(settings.events);
  return {
    kind: 'storage',
    bucket: String(settings.bucket ?? ''),
    events: events.length ? events : [...DEFAULT_STORAGE_EVENTS],
    index,
    raw,
  };
}
