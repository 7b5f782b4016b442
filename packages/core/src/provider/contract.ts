import type { SchemaObject } from 'ajv';
import type { Service, FunctionSpec } from '../service/model.js';
import type { ProgressReporter } from '../output/progress.js';

/** A value a variable source produced. `secret` values are masked by `print --conceal` and in logs. */
export interface VariableSourceResult {
  value: unknown;
  secret?: boolean;
}

/** What a variable source gets to resolve one `${source(params):address}` reference. */
export interface VariableSourceRequest {
  /** The part after `:` (already resolved if it contained variables), e.g. `/path/to/param`. */
  address?: string;
  /** The parameters in parentheses, already resolved. */
  params: readonly unknown[];
  /** CLI options (`opt:` values). */
  options: Readonly<Record<string, unknown>>;
  /** The resolved stage. */
  stage: string;
  /** Absolute service directory. */
  serviceDir: string;
  /** Resolve another property of the configuration, e.g. `provider.region`. */
  resolveConfigurationProperty(path: readonly string[]): Promise<unknown>;
}

/** A variable source such as aws `ssm:`. Providers contribute them through their definition. */
export interface VariableSource {
  resolve(request: VariableSourceRequest): Promise<VariableSourceResult>;
}

/** JSON Schema fragments a provider adds to the core schema. */
export interface ProviderSchema {
  /** Properties of the `provider:` block besides the core ones (name, stage, runtime, ...). */
  provider?: Record<string, SchemaObject>;
  /** Extra function-level properties. */
  function?: Record<string, SchemaObject>;
  /** Provider-only events: `sqs: {...schema}`. */
  events?: Record<string, SchemaObject>;
  /** Runtimes accepted in `runtime:`. */
  runtimes?: readonly string[];
}

export interface ProviderCapabilities {
  /** Runtimes the provider can run, e.g. `nodejs20.x`, `python3.11`. */
  runtimes: readonly string[];
  /** Event kinds it serves: portable kinds (`http`, `schedule`, ...) and its own (`sqs`, ...). */
  events: readonly string[];
}

/**
 * The light part of a provider: loaded for validation, `print` and `--help` without any SDK.
 * The heavy part (`load()`) is imported on first use of a verb.
 */
export interface ProviderDefinition {
  /** Canonical name used in `provider.name`. */
  readonly name: string;
  /** Other accepted names (`lambda` for aws). */
  readonly aliases?: readonly string[];
  /** One line for `--help` and `create --list`. */
  readonly description: string;
  readonly schema: ProviderSchema;
  readonly capabilities: ProviderCapabilities;
  /** Variable sources the provider adds (`ssm`, `cf`, ...). */
  readonly variableSources?: Readonly<Record<string, VariableSource>>;
  /** Import the verbs. */
  load(): Promise<ProviderRuntime>;
}

/** One packaged artifact (a zip), as written to the manifest. */
export interface Artifact {
  /** Absolute path of the zip. */
  readonly path: string;
  /** Keys of the functions this artifact serves. */
  readonly functions: readonly string[];
  readonly size: number;
  readonly sha256: string;
  readonly files: number;
  readonly mode: 'copy' | 'bundle' | 'prebuilt';
}

export interface ProviderContext {
  readonly service: Service;
  /** CLI options as given (`opt:` values). */
  readonly options: Readonly<Record<string, unknown>>;
  readonly progress: ProgressReporter;
  readonly signal?: AbortSignal;
}

export interface PlanChange {
  readonly action: 'create' | 'update' | 'delete' | 'unchanged';
  /** `function`, `route`, `schedule`, ... */
  readonly resource: string;
  readonly name: string;
  readonly reason?: string;
}

/** A provider's diff between what is deployed and what the service wants. */
export interface Plan {
  readonly provider: string;
  readonly changes: readonly PlanChange[];
  /** Provider-private data `apply` needs. */
  readonly detail?: unknown;
}

export interface Endpoint {
  readonly method: string;
  /** The full URL, path template included: `http://127.0.0.1:3000/dev/users/{id}`. */
  readonly url: string;
  readonly function: string;
}

export interface DeployedFunction {
  readonly key: string;
  readonly name: string;
  readonly version?: string;
  readonly size?: number;
  readonly runtime?: string;
}

export interface DeployResult {
  readonly service: string;
  readonly stage: string;
  readonly provider: string;
  readonly region?: string;
  readonly endpoints: readonly Endpoint[];
  readonly functions: readonly DeployedFunction[];
  readonly outputs: Readonly<Record<string, string>>;
  readonly changes: readonly PlanChange[];
}

export type ServiceInfo = Omit<DeployResult, 'changes'> & { readonly details?: Readonly<Record<string, unknown>> };

export interface InvokeRequest {
  readonly function: FunctionSpec;
  readonly payload: unknown;
  readonly type: 'RequestResponse' | 'Event' | 'DryRun';
  /** Return the tail of the function's log with the result. */
  readonly log: boolean;
}

export interface InvokeResult {
  readonly requestId?: string;
  readonly statusCode: number;
  /** The handler's return value, or the error object for a failed invocation. */
  readonly payload: unknown;
  /** Set when the function failed (`Unhandled`, `TimedOut`, ...). */
  readonly functionError?: string;
  readonly logs?: string;
}

export interface LogsRequest {
  readonly function: FunctionSpec;
  /** Epoch milliseconds. */
  readonly startTime?: number;
  readonly filter?: string;
  readonly tail: boolean;
}

export interface LogLine {
  readonly timestamp: number;
  readonly function: string;
  readonly requestId?: string;
  readonly version?: string;
  readonly message: string;
}

/** The verbs. `ctx.service` is the normalised model; providers never re-read YAML. */
export interface ProviderRuntime {
  plan(ctx: ProviderContext, artifacts: readonly Artifact[]): Promise<Plan>;
  apply(ctx: ProviderContext, plan: Plan, artifacts: readonly Artifact[]): Promise<DeployResult>;
  deployFunction(ctx: ProviderContext, fn: FunctionSpec, artifact: Artifact): Promise<DeployResult>;
  remove(ctx: ProviderContext): Promise<{ readonly removed: readonly string[] }>;
  info(ctx: ProviderContext): Promise<ServiceInfo>;
  invoke(ctx: ProviderContext, request: InvokeRequest): Promise<InvokeResult>;
  logs(ctx: ProviderContext, request: LogsRequest): AsyncIterable<LogLine>;
}

/** Identity helper giving provider authors type checking. */
export function defineProvider(definition: ProviderDefinition): ProviderDefinition {
  return definition;
}
