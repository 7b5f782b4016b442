import type { SchemaObject, ValidateFunction } from 'ajv';
import { SkyrunError, type SkyrunWarning, type SourceLocation } from '../errors/index.js';
import { formatPropertyPath, type PropertyPath } from '../config/index.js';
import type { ProviderDefinition } from '../provider/contract.js';
import { buildSchema } from '../schema/build-configuration-schema.js';
import { problemsFromAjvErrors, type Problem } from './ajv-problems.js';
import { compileValidator } from './compile-validator.js';
import { didYouMean } from './describe.js';
import type { ValidateConfigurationOptions, ValidationResult } from './types.js';

export type ConfigValidationMode = 'error' | 'warn' | 'off';

interface CompiledSchema {
  readonly schema: SchemaObject;
  readonly validate: ValidateFunction;
}

const compiledByProvider = new WeakMap<ProviderDefinition, CompiledSchema>();
let relaxed: CompiledSchema | undefined;

function compile(schema: SchemaObject): CompiledSchema {
  return { schema, validate: compileValidator(schema) };
}

function compiledFor(
  provider: ProviderDefinition | undefined,
  providers: readonly ProviderDefinition[],
): CompiledSchema {
  if (!provider) return (relaxed ??= compile(buildSchema({ providers, mode: 'relaxed' })));
  let compiled = compiledByProvider.get(provider);
  if (!compiled) {
    compiled = compile(buildSchema({ providers, active: provider, mode: 'active' }));
    compiledByProvider.set(provider, compiled);
  }
  return compiled;
}

/** `configValidationMode` as written, `warn` (v3's default) when absent or not one of the three. */
export function configValidationModeOf(config: Readonly<Record<string, unknown>>): ConfigValidationMode {
  const mode = config.configValidationMode;
  return mode === 'error' || mode === 'off' ? mode : 'warn';
}

/**
 * Validate the resolved configuration against the core schema extended by the active
 * provider's, coercing values as v3 does. `error` mode throws one SkyrunError listing every
 * problem; `warn` returns them as warnings; `off` reports nothing (values are still coerced).
 */
export function validateConfiguration(options: ValidateConfigurationOptions): ValidationResult {
  const { provider, providers } = options;
  const mode = configValidationModeOf(options.config);
  const data = clonePlain(options.config) as Record<string, unknown>;
  const compiled = compiledFor(provider, providers);

  // v3 validates without null values (ajv would coerce them) and puts them back afterwards.
  const removed = removeNulls(data);
  const valid = compiled.validate(data);
  restoreNulls(data, removed);
  if (mode === 'off') return { config: data, warnings: [] };

  const problems = valid
    ? []
    : problemsFromAjvErrors(compiled.validate.errors ?? [], {
        data,
        original: options.config,
        schema: compiled.schema,
        active: provider,
        providers,
        concealedPaths: options.concealedPaths,
      });
  const foreign = foreignProvider(options);
  const kept = foreign ? problems.filter((problem) => !isForeignSetting(problem)) : problems;
  const located = kept
    .map((problem) => ({ problem, location: options.locate(problem.path) }))
    .sort((a, b) => compareLocations(a.location, b.location));

  if (mode === 'error' && located.length) throw invalidConfigurationError(located);

  const warnings: SkyrunWarning[] = located.map(({ problem, location }) => ({
    code: problem.code,
    message: problem.message,
    hint: problem.hint,
    location,
  }));
  if (!provider) warnings.unshift(unknownProviderWarning(options));
  if (foreign) {
    const ignored = problems.filter(isForeignSetting);
    if (ignored.length) warnings.unshift(foreignProviderWarning(options, foreign, ignored));
  }
  return { config: data, warnings };
}

/** The provider the file is written for, when the command runs it on another one. */
function foreignProvider(options: ValidateConfigurationOptions): string | undefined {
  const declared = options.declaredProviderName;
  if (!declared || declared === options.providerName) return undefined;
  const match = options.providers.find(
    (p) => p.name === options.providerName || p.aliases?.includes(options.providerName),
  );
  if (match && (match.name === declared || match.aliases?.includes(declared))) return undefined;
  return declared;
}

/** Provider-only keys and events of the provider the file was written for. */
function isForeignSetting(problem: Problem): boolean {
  if (problem.code === 'CONFIG_EVENT_UNSUPPORTED') return true;
  if (problem.code !== 'CONFIG_UNKNOWN_PROPERTY') return false;
  const [top, , third] = problem.path;
  return top === 'provider' || (top === 'functions' && third !== 'events');
}

function foreignProviderWarning(
  options: ValidateConfigurationOptions,
  declared: string,
  ignored: readonly Problem[],
): SkyrunWarning {
  const settings = [
    ...new Set(ignored.filter((p) => p.code === 'CONFIG_UNKNOWN_PROPERTY').map((p) => formatPropertyPath(p.path))),
  ];
  const shown = settings.slice(0, 5).join(', ') + (settings.length > 5 ? `, and ${settings.length - 5} more` : '');
  return {
    code: 'CONFIG_FOREIGN_PROVIDER',
    message: `This service is written for "${declared}" and runs on "${options.providerName}" here: ${
      settings.length
        ? `its ${declared}-only settings are ignored (${shown})`
        : `its ${declared}-only settings are ignored`
    }.`,
    hint: `Events "${options.providerName}" cannot serve are listed when you deploy. Use a stage with provider.name: ${options.providerName} to make this explicit.`,
    location: options.locate(['provider', 'name']),
  };
}

function compareLocations(a: SourceLocation, b: SourceLocation): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;
}

function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}

function invalidConfigurationError(located: readonly { problem: Problem; location: SourceLocation }[]): SkyrunError {
  const file = located[0].location.file;
  const count = located.length === 1 ? '1 problem' : `${located.length} problems`;
  const lines = located.flatMap(({ problem, location }) => [
    `  ${formatLocation(location)}: ${problem.message}`,
    ...(problem.hint ? [`    ${problem.hint}`] : []),
  ]);
  return new SkyrunError({
    code: 'CONFIG_INVALID',
    message: [`${file} is not valid (${count}):`, ...lines].join('\n'),
    hint: 'Fix the values above, or set "configValidationMode: warn" to report them without failing.',
    exit: 'config',
  });
}

function unknownProviderWarning(options: ValidateConfigurationOptions): SkyrunWarning {
  const names = options.providers.map((p) => p.name);
  const candidates = options.providers.flatMap((p) => [p.name, ...(p.aliases ?? [])]);
  const suggestion = didYouMean(options.providerName, candidates);
  return {
    code: 'CONFIG_PROVIDER_UNKNOWN',
    message: `skyrun does not offer the provider "${options.providerName}" yet: its provider-specific settings are not validated, and deploy, invoke and the other provider commands will fail.`,
    hint: `${suggestion ? `${suggestion} ` : ''}Installed providers: ${names.join(', ') || 'none'}.`,
    location: options.locate(['provider', 'name']),
  };
}

/** Deep copy of plain objects and arrays; anything else (dates, functions) is shared. */
function clonePlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clonePlain);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = clonePlain(v);
    return out;
  }
  return value;
}

interface RemovedValue {
  readonly path: PropertyPath;
  readonly value: null | undefined;
}

function removeNulls(root: unknown): RemovedValue[] {
  const removed: RemovedValue[] = [];
  const visit = (node: unknown, path: (string | number)[]) => {
    if (Array.isArray(node)) node.forEach((item, i) => visit(item, [...path, i]));
    else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (value === null || value === undefined) {
          removed.push({ path: [...path, key], value });
          delete (node as Record<string, unknown>)[key];
        } else visit(value, [...path, key]);
      }
    }
  };
  visit(root, []);
  return removed;
}

function restoreNulls(root: unknown, removed: readonly RemovedValue[]): void {
  for (const { path, value } of removed) {
    let node = root;
    for (const part of path.slice(0, -1)) {
      node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[part] : undefined;
    }
    if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
      (node as Record<string, unknown>)[String(path[path.length - 1])] = value;
    }
  }
}
