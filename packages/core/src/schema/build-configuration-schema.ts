import type { SchemaObject } from 'ajv';
import type { ProviderDefinition } from '../provider/contract.js';
import {
  FUNCTION_NAME_PATTERN,
  PORTABLE_EVENTS,
  functionPropertySchemas,
  portableEventSchemas,
  providerPropertySchemas,
  topLevelPropertySchemas,
} from './core-schema.js';

/**
 * How the schema is built:
 * - `active`: the service's provider is installed; its provider block, function properties and
 *   events are validated strictly (unknown keys are errors).
 * - `relaxed`: skyrun does not offer the service's provider; core keys are validated, the
 *   provider-only keys (provider block, function properties, events) are let through.
 * - `combined`: every installed provider at once, for editors (`skyrun schema`).
 */
export type SchemaMode = 'active' | 'relaxed' | 'combined';

export interface SchemaBuildOptions {
  readonly providers: readonly ProviderDefinition[];
  readonly active?: ProviderDefinition;
  readonly mode: SchemaMode;
}

const SCHEMA_TITLE = 'skyrun service configuration (serverless.yml)';

/**
 * The JSON Schema (draft-07) of serverless.yml.
 *
 * With `active`, the schema validates a service of that provider: its `schema.provider`,
 * `schema.function` and `schema.events` extend the core ones (a provider property or event
 * named like a core one replaces it), runtimes are limited to the provider's, and portable
 * events it does not list in `capabilities.events` are rejected.
 * Without `active`, the schema covers every provider in `providers` (for the YAML language
 * server): the union of their keys, with each provider's runtimes applied when
 * `provider.name` names it.
 */
export function buildConfigurationSchema(
  providers: readonly ProviderDefinition[],
  active?: ProviderDefinition,
): SchemaObject {
  return buildSchema({ providers, active, mode: active ? 'active' : 'combined' });
}

export function buildSchema(options: SchemaBuildOptions): SchemaObject {
  const { mode, providers } = options;
  const active = mode === 'active' ? options.active : undefined;
  if (mode === 'active' && !active) throw new Error('buildSchema: mode "active" needs a provider');

  const providerProps = providerPropertySchemas();
  const functionProps = functionPropertySchemas();
  const eventSchemas: Record<string, SchemaObject> = {};
  const portable = portableEventSchemas();
  let runtimes: string[] = [];

  if (active) {
    Object.assign(providerProps, cloneAll(active.schema.provider));
    Object.assign(functionProps, cloneAll(active.schema.function));
    for (const name of PORTABLE_EVENTS)
      if (active.capabilities.events.includes(name)) eventSchemas[name] = portable[name];
    for (const name of active.capabilities.events) eventSchemas[name] ??= { description: `A ${active.name} event.` };
    Object.assign(eventSchemas, cloneAll(active.schema.events));
    runtimes = runtimesOf(active);
  } else {
    Object.assign(eventSchemas, portable);
    if (mode === 'combined') {
      for (const provider of providers) {
        mergeUnion(providerProps, provider.schema.provider);
        mergeUnion(functionProps, provider.schema.function);
        const served = new Set([...provider.capabilities.events, ...Object.keys(provider.schema.events ?? {})]);
        for (const name of served) {
          if ((PORTABLE_EVENTS as readonly string[]).includes(name)) continue;
          const own = provider.schema.events?.[name];
          const schema = own ? structuredClone(own) : {};
          schema.description ??= `Served by the ${provider.name} provider.`;
          mergeUnion(eventSchemas, { [name]: schema });
        }
        runtimes.push(...runtimesOf(provider));
      }
      runtimes = [...new Set(runtimes)].sort();
    }
  }

  if (runtimes.length) {
    providerProps.runtime = { ...providerProps.runtime, enum: runtimes };
    functionProps.runtime = { ...functionProps.runtime, enum: runtimes };
  }
  if (mode === 'combined' && providers.length) {
    const names = providers.flatMap((p) => [p.name, ...(p.aliases ?? [])]);
    providerProps.name = { ...providerProps.name, enum: names };
  }

  const strict = mode !== 'relaxed';
  functionProps.events = {
    ...functionProps.events,
    items: {
      type: 'object',
      description: 'One event: its name and settings, e.g. `httpApi: GET /hello`.',
      properties: eventSchemas,
      additionalProperties: !strict,
      minProperties: 1,
      maxProperties: 1,
    },
  };

  const top = topLevelPropertySchemas();
  const schema: SchemaObject = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: SCHEMA_TITLE,
    description: active
      ? `A skyrun service running on the ${active.name} provider.`
      : 'A skyrun service (Serverless Framework v3 compatible).',
    type: 'object',
    properties: {
      service: top.service,
      frameworkVersion: top.frameworkVersion,
      configValidationMode: top.configValidationMode,
      provider: {
        type: 'object',
        description: 'Where and how the functions run.',
        properties: providerProps,
        additionalProperties: !strict,
      },
      functions: {
        type: 'object',
        description: 'The functions, keyed by name (letters, digits, - and _).',
        patternProperties: {
          [FUNCTION_NAME_PATTERN]: {
            type: 'object',
            properties: functionProps,
            additionalProperties: !strict,
            anyOf: [{ required: ['handler'] }, { required: ['image'] }],
          },
        },
        additionalProperties: false,
      },
      ...top,
    },
    required: ['service'],
    additionalProperties: false,
  };

  if (mode === 'combined') {
    const conditions = providers.filter((p) => runtimesOf(p).length).map(runtimeCondition);
    if (conditions.length) schema.allOf = conditions;
  }
  return schema;
}

function runtimesOf(provider: ProviderDefinition): string[] {
  return [...new Set([...provider.capabilities.runtimes, ...(provider.schema.runtimes ?? [])])];
}

/** `if provider.name is <provider> then runtimes are <provider>'s` (editors only). */
function runtimeCondition(provider: ProviderDefinition): SchemaObject {
  const runtime = { enum: runtimesOf(provider) };
  return {
    if: {
      properties: {
        provider: { properties: { name: { enum: [provider.name, ...(provider.aliases ?? [])] } }, required: ['name'] },
      },
      required: ['provider'],
    },
    then: {
      properties: {
        provider: { properties: { runtime } },
        functions: { patternProperties: { [FUNCTION_NAME_PATTERN]: { properties: { runtime } } } },
      },
    },
  };
}

function cloneAll(schemas: Record<string, SchemaObject> | undefined): Record<string, SchemaObject> {
  return schemas ? structuredClone(schemas) : {};
}

/** Add `source`'s properties; a key already defined differently accepts either definition. */
function mergeUnion(target: Record<string, SchemaObject>, source: Record<string, SchemaObject> | undefined): void {
  for (const [key, schema] of Object.entries(source ?? {})) {
    const existing = target[key];
    if (!existing) target[key] = structuredClone(schema);
    else if (JSON.stringify(existing) !== JSON.stringify(schema)) {
      const union: SchemaObject = { anyOf: [existing, structuredClone(schema)] };
      if (typeof existing.description === 'string') union.description = existing.description;
      target[key] = union;
    }
  }
}
