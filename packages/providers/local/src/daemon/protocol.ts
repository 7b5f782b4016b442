/**
 * The control API between the CLI (src/client/) and the daemon: request and response bodies.
 * JSON over HTTP on 127.0.0.1, under CONTROL_PREFIX on the daemon's main port, authenticated
 * with `Authorization: Bearer <token>` (the token lives 0600 in SKYRUN_HOME).
 */
import type { CorsSettings } from '@skyrun/core';

export const CONTROL_PREFIX = '/_skyrun/v1';

/** Bumped when the control API changes incompatibly; the CLI restarts an older daemon. */
export const PROTOCOL_VERSION = 1;

/** One HTTP route of a function, as the CLI sends it. */
export interface DesiredRoute {
  readonly api: 'rest' | 'http';
  readonly payloadVersion: '1.0' | '2.0';
  readonly method: string;
  readonly path: string;
  readonly cors?: CorsSettings;
}

/** One schedule expression of a function. */
export interface DesiredSchedule {
  /** `rate(5 minutes)`, `cron(0 12 * * ? *)` or a 5-field cron. */
  readonly expression: string;
  readonly enabled: boolean;
  /** Replaces the EventBridge event when set. */
  readonly input?: unknown;
  readonly name?: string;
}

/** A function as the CLI wants it deployed. */
export interface DesiredFunction {
  readonly key: string;
  readonly name: string;
  readonly handler: string;
  readonly runtime: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly memorySize: number;
  readonly reservedConcurrency?: number;
  readonly provisionedConcurrency?: number;
  /** Idle workers stop after this long (`provider.keepWarm`); default: the engine's. */
  readonly keepWarmMs?: number;
  /** Absolute path of the zip on this machine and its sha256. */
  readonly artifact: { readonly path: string; readonly sha256: string };
  readonly routes: readonly DesiredRoute[];
  readonly schedules: readonly DesiredSchedule[];
}

export interface DeployRequest {
  readonly service: string;
  readonly stage: string;
  readonly region?: string;
  /**
   * `service`: `functions` is the whole service (missing functions are deleted).
   * `function`: `functions` replaces only the functions listed.
   */
  readonly mode: 'service' | 'function';
  readonly functions: readonly DesiredFunction[];
  /** A fixed port for this service+stage's HTTP listener (`provider.apiPort`). */
  readonly apiPort?: number;
  /** How long to wait for another deploy of the same service+stage, ms. */
  readonly lockTimeoutMs?: number;
}

export interface ChangeDto {
  readonly action: 'create' | 'update' | 'delete' | 'unchanged';
  readonly resource: string;
  readonly name: string;
  readonly reason?: string;
}

export interface PlanResponse {
  readonly changes: readonly ChangeDto[];
}

export interface EndpointDto {
  readonly method: string;
  readonly url: string;
  /** Function key. */
  readonly function: string;
}

export interface FunctionInfoDto {
  readonly key: string;
  readonly name: string;
  readonly version: string;
  readonly runtime: string;
  readonly sha256: string;
  readonly workers: number;
  readonly busy: number;
  readonly schedules: readonly DesiredSchedule[];
}

export interface ServiceInfoDto {
  readonly service: string;
  readonly stage: string;
  readonly region?: string;
  readonly apiPort: number;
  readonly apiUrl: string;
  readonly invokeUrl: string;
  readonly endpoints: readonly EndpointDto[];
  readonly functions: readonly FunctionInfoDto[];
  readonly deployedAt: string;
}

export interface DeployResponse {
  readonly changes: readonly ChangeDto[];
  readonly info: ServiceInfoDto;
}

export interface RemoveRequest {
  readonly service: string;
  readonly stage: string;
}

export interface RemoveResponse {
  /** Deployed names of the functions removed (empty when nothing was deployed). */
  readonly removed: readonly string[];
}

export interface InvokeRequestDto {
  readonly service: string;
  readonly stage: string;
  /** Function key. */
  readonly function: string;
  readonly payload: unknown;
  readonly type: 'RequestResponse' | 'Event' | 'DryRun';
  readonly log: boolean;
}

export interface InvokeResponseDto {
  readonly requestId?: string;
  readonly statusCode: number;
  readonly payload: unknown;
  readonly functionError?: string;
  readonly logs?: string;
}

/** One stored log line (a JSON line of a log file, and of the logs stream). */
export interface StoredLogLine {
  readonly timestamp: number;
  /** Deployed name. */
  readonly function: string;
  readonly version: string;
  readonly requestId?: string;
  readonly message: string;
}

export interface StatusResponse {
  readonly pid: number;
  readonly port: number;
  readonly home: string;
  readonly protocol: number;
  readonly startedAt: string;
  readonly services: readonly {
    readonly service: string;
    readonly stage: string;
    readonly apiPort: number;
    readonly functions: number;
  }[];
  readonly queuedEvents: number;
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly hint?: string };
}
