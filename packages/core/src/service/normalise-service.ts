import { normaliseEvent } from './normalise-events.js';
import {
  SERVICE_DEFAULTS,
  type BuildSettings,
  type FunctionPackageSettings,
  type FunctionSpec,
  type PackageSettings,
  type ProviderSettings,
  type Service,
} from './model.js';
import type { NormaliseServiceOptions } from './types.js';

type Plain = Record<string, unknown>;

const isObject = (value: unknown): value is Plain =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const objectOr = (value: unknown): Plain => (isObject(value) ? value : {});
const numberOr = (value: unknown, fallback: number): number => {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
};
const stringList = (value: unknown): string[] =>
  value === undefined || value === null ? [] : (Array.isArray(value) ? value : [value]).map(String);

/**
 * The resolved, validated configuration → the portable, deeply frozen Service model providers
 * receive. Defaults are v3's (SERVICE_DEFAULTS); every value of `raw` and `config` is a copy.
 */
export function normaliseService(options: NormaliseServiceOptions): Service {
  const config = deepCopy(options.config) as Plain;
  const name = serviceName(config.service);
  const providerBlock = objectOr(config.provider);
  const provider: ProviderSettings = {
    name: options.providerName,
    stage: options.stage,
    ...(typeof providerBlock.region === 'string' ? { region: providerBlock.region } : {}),
    runtime: typeof providerBlock.runtime === 'string' ? providerBlock.runtime : SERVICE_DEFAULTS.runtime,
    memorySize: numberOr(providerBlock.memorySize, SERVICE_DEFAULTS.memorySize),
    timeout: numberOr(providerBlock.timeout, SERVICE_DEFAULTS.timeout),
    environment: environment(providerBlock.environment),
    raw: providerBlock,
  };
  const httpApi = objectOr(providerBlock.httpApi);
  const functions: Record<string, FunctionSpec> = {};
  for (const [key, value] of Object.entries(objectOr(config.functions))) {
    functions[key] = normaliseFunction(key, objectOr(value), { service: name, provider, httpApi });
  }
  const service: Service = {
    name,
    stage: options.stage,
    ...(provider.region !== undefined ? { region: provider.region } : {}),
    provider,
    functions,
    package: packageSettings(objectOr(config.package)),
    build: buildSettings(config.build),
    custom: objectOr(config.custom),
    ...(config.resources !== undefined && config.resources !== null ? { resources: config.resources } : {}),
    plugins: plugins(config.plugins),
    useDotenv: config.useDotenv === true,
    serviceDir: options.serviceDir,
    configFile: options.configFile,
    config,
  };
  return deepFreeze(service);
}

/** `service: name` or v2's `service: {name}`. */
function serviceName(value: unknown): string {
  if (isObject(value)) return String(value.name ?? '');
  return value === undefined || value === null ? '' : String(value);
}

interface FunctionContext {
  readonly service: string;
  readonly provider: ProviderSettings;
  readonly httpApi: Plain;
}

function normaliseFunction(key: string, block: Plain, context: FunctionContext): FunctionSpec {
  const { provider } = context;
  const events = Array.isArray(block.events) ? block.events : [];
  const spec: FunctionSpec = {
    key,
    name: typeof block.name === 'string' && block.name ? block.name : `${context.service}-${provider.stage}-${key}`,
    ...(typeof block.handler === 'string' ? { handler: block.handler } : {}),
    runtime: typeof block.runtime === 'string' ? block.runtime : provider.runtime,
    memorySize: numberOr(block.memorySize, provider.memorySize),
    timeout: numberOr(block.timeout, provider.timeout),
    environment: { ...provider.environment, ...environment(block.environment) },
    events: events.map((event, index) => normaliseEvent(event, index, { httpApi: context.httpApi })),
    package: functionPackage(objectOr(block.package)),
    ...(block.reservedConcurrency !== undefined && block.reservedConcurrency !== null
      ? { reservedConcurrency: numberOr(block.reservedConcurrency, 0) }
      : {}),
    ...(block.provisionedConcurrency !== undefined && block.provisionedConcurrency !== null
      ? { provisionedConcurrency: numberOr(block.provisionedConcurrency, 0) }
      : {}),
    ...(typeof block.description === 'string' ? { description: block.description } : {}),
    raw: block,
  };
  return spec;
}

/** Values become strings (as v3's coercion makes them); intrinsics are kept as JSON; null unsets. */
function environment(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(objectOr(value))) {
    if (v === null || v === undefined) continue;
    out[key] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

/** v3's deprecated include/exclude become patterns, in v3's order: excludes, includes, then patterns. */
function patternsOf(block: Plain): string[] {
  return [
    ...stringList(block.exclude).map((p) => (p.startsWith('!') ? p.slice(1) : `!${p}`)),
    ...stringList(block.include),
    ...stringList(block.patterns),
  ];
}

function packageSettings(block: Plain): PackageSettings {
  return {
    individually: block.individually === true,
    patterns: patternsOf(block),
    excludeDevDependencies: block.excludeDevDependencies !== false,
    ...(typeof block.artifact === 'string' ? { artifact: block.artifact } : {}),
  };
}

function functionPackage(block: Plain): FunctionPackageSettings {
  return {
    patterns: patternsOf(block),
    ...(typeof block.individually === 'boolean' ? { individually: block.individually } : {}),
    ...(typeof block.artifact === 'string' ? { artifact: block.artifact } : {}),
  };
}

function buildSettings(value: unknown): BuildSettings {
  const esbuild = objectOr(value).esbuild;
  if (typeof esbuild === 'boolean' || isObject(esbuild)) return { esbuild };
  return {};
}

/** `plugins: [a, b]` or v3's `plugins: {localPath, modules}`. */
function plugins(value: unknown): string[] {
  if (isObject(value)) return stringList(value.modules);
  return stringList(value);
}

function deepCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepCopy);
  if (isObject(value) && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Plain = {};
    for (const [k, v] of Object.entries(value)) out[k] = deepCopy(v);
    return out;
  }
  return value;
}

/** Freezes arrays and plain objects (never a value the configuration merely references). */
function deepFreeze<T>(value: T): T {
  const plain = Array.isArray(value) || (isObject(value) && Object.getPrototypeOf(value) === Object.prototype);
  if (plain && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}
