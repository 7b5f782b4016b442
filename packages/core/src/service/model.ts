/**
 * The normalised Service model: portable, typed, readonly. It is what providers receive;
 * they never re-read YAML. Provider-specific keys stay reachable through `raw`.
 */

/** CORS settings of an HTTP event, after normalisation (`cors: true` expanded). */
export interface CorsSettings {
  readonly origins: readonly string[];
  readonly headers: readonly string[];
  readonly methods: readonly string[];
  readonly allowCredentials: boolean;
  readonly exposedHeaders: readonly string[];
  readonly maxAge?: number;
}

interface EventBase {
  /** Index of the event in the function's `events:` list (for error locations). */
  readonly index: number;
  /** The event's resolved configuration as written (after coercion). */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** `http` (API Gateway REST, payload v1) or `httpApi` (HTTP API, payload v2). */
export interface HttpEvent extends EventBase {
  readonly kind: 'http';
  /** `rest` for `http:` events (payload v1), `http` for `httpApi:` events (payload v2 by default). */
  readonly api: 'rest' | 'http';
  /** Payload format the handler receives: '1.0' for REST, '2.0' (or '1.0' if configured) for HTTP APIs. */
  readonly payloadVersion: '1.0' | '2.0';
  /** Upper-case method, or `ANY`. */
  readonly method: string;
  /** Path template starting with `/`, e.g. `/users/{id}` or `/{proxy+}`; `*` for an httpApi catch-all. */
  readonly path: string;
  readonly cors?: CorsSettings;
}

/** `schedule`: `rate(...)`, AWS `cron(...)` (6 fields) or a 5-field cron. */
export interface ScheduleEvent extends EventBase {
  readonly kind: 'schedule';
  readonly expressions: readonly string[];
  readonly enabled: boolean;
  readonly input?: unknown;
  readonly name?: string;
  readonly description?: string;
}

/** `queue`: SQS-shaped records. */
export interface QueueEvent extends EventBase {
  readonly kind: 'queue';
  readonly queue: string;
  readonly batchSize: number;
}

/** `storage`: S3-shaped records. */
export interface StorageEvent extends EventBase {
  readonly kind: 'storage';
  readonly bucket: string;
  readonly events: readonly string[];
}

/** An event only some providers serve (`sqs`, `sns`, `eventBridge`, ...). */
export interface ProviderEvent extends EventBase {
  readonly kind: 'provider';
  /** The event's key as written, e.g. `sqs`. */
  readonly type: string;
}

export type FunctionEvent = HttpEvent | ScheduleEvent | QueueEvent | StorageEvent | ProviderEvent;

export interface FunctionPackageSettings {
  readonly patterns: readonly string[];
  readonly individually?: boolean;
  /** A prebuilt zip, relative to the service directory. */
  readonly artifact?: string;
}

export interface FunctionSpec {
  /** The key under `functions:`. */
  readonly key: string;
  /** The deployed name: `name:` or `<service>-<stage>-<key>`. */
  readonly name: string;
  /** `file.export` (Node) or `module.function` (Python); absent for image functions. */
  readonly handler?: string;
  readonly runtime: string;
  readonly memorySize: number;
  /** Seconds. */
  readonly timeout: number;
  /** provider.environment merged with the function's own (function wins); all values strings. */
  readonly environment: Readonly<Record<string, string>>;
  readonly events: readonly FunctionEvent[];
  readonly package: FunctionPackageSettings;
  readonly reservedConcurrency?: number;
  readonly provisionedConcurrency?: number;
  readonly description?: string;
  /** The function's resolved block as written. */
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface PackageSettings {
  readonly individually: boolean;
  readonly patterns: readonly string[];
  readonly excludeDevDependencies: boolean;
  readonly artifact?: string;
}

/** `build.esbuild`: false, true (defaults) or esbuild options. Absent means "TypeScript only". */
export interface BuildSettings {
  readonly esbuild?: boolean | Readonly<Record<string, unknown>>;
}

export interface ProviderSettings {
  readonly name: string;
  readonly stage: string;
  readonly region?: string;
  readonly runtime: string;
  readonly memorySize: number;
  readonly timeout: number;
  readonly environment: Readonly<Record<string, string>>;
  /** The resolved `provider:` block as written (provider-specific keys live here). */
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface Service {
  /** `service:` */
  readonly name: string;
  readonly stage: string;
  readonly region?: string;
  readonly provider: ProviderSettings;
  readonly functions: Readonly<Record<string, FunctionSpec>>;
  readonly package: PackageSettings;
  readonly build: BuildSettings;
  readonly custom: Readonly<Record<string, unknown>>;
  readonly resources?: unknown;
  readonly plugins: readonly string[];
  readonly useDotenv: boolean;
  /** Absolute directory holding the service file. */
  readonly serviceDir: string;
  /** Absolute path of the service file. */
  readonly configFile: string;
  /** The whole resolved, validated configuration. */
  readonly config: Readonly<Record<string, unknown>>;
}

/** Defaults applied when neither the function nor the provider block sets a value (v3's). */
export const SERVICE_DEFAULTS = {
  stage: 'dev',
  runtime: 'nodejs20.x',
  memorySize: 1024,
  timeout: 6,
} as const;
