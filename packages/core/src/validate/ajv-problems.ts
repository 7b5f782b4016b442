import type { ErrorObject, SchemaObject } from 'ajv';
import { formatPropertyPath, type PropertyPath } from '../config/index.js';
import type { ProviderDefinition } from '../provider/contract.js';
import { PORTABLE_EVENTS, V3_AWS_EVENTS } from '../schema/core-schema.js';
import { describeTypes, describeValue, didYouMean, closest, quoteList } from './describe.js';

/** One thing wrong in the configuration, before it is given a source position. */
export interface Problem {
  readonly code: string;
  /** Where the offending value (or key) is. */
  readonly path: PropertyPath;
  /** What is wrong, in a sentence that starts with the property path. */
  readonly message: string;
  readonly hint?: string;
  /** The property a did-you-mean proposes (unknown-property problems). */
  readonly suggestion?: string;
  /** The properties a missing-property problem asks for. */
  readonly missing?: readonly string[];
}

export interface ProblemContext {
  /** The validated (coerced) data the errors refer to. */
  readonly data: unknown;
  /** The configuration as given (nulls included), for the event-indentation check. */
  readonly original: unknown;
  readonly schema: SchemaObject;
  readonly active?: ProviderDefinition;
  readonly providers: readonly ProviderDefinition[];
  /** Paths whose values came from secret sources: messages say `********` instead of the value. */
  readonly concealedPaths?: readonly PropertyPath[];
}

type AjvError = ErrorObject<string, Record<string, unknown>, unknown>;

/** Turn ajv's raw errors into one human problem per mistake. */
/** True when `path` is, or lies inside, one of the concealed paths. */
function isConcealed(path: PropertyPath, concealed: readonly PropertyPath[] = []): boolean {
  return concealed.some((c) => c.length <= path.length && c.every((part, i) => String(part) === String(path[i])));
}

export function problemsFromAjvErrors(errors: readonly AjvError[], context: ProblemContext): Problem[] {
  const selected = selectBranches(errors.map((error) => enrich(error, context)));
  const byEventItem = new Map<string, AjvError[]>();
  const problems: Problem[] = [];
  for (const error of selected) {
    const path = toPropertyPath(error.instancePath, context.data);
    if (isEventItemPath(path) && ['additionalProperties', 'maxProperties', 'minProperties'].includes(error.keyword)) {
      const key = error.instancePath;
      byEventItem.set(key, [...(byEventItem.get(key) ?? []), error]);
      continue;
    }
    problems.push(problemFor(error, path, context));
  }
  for (const group of byEventItem.values()) {
    problems.push(...eventItemProblems(group, toPropertyPath(group[0].instancePath, context.data), context));
  }
  const seen = new Set<string>();
  return problems
    .filter((p) => !isExplainedByTypo(p, problems))
    .filter((p) => {
      const key = `${formatPropertyPath(p.path)}\0${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/** Add what ajv's `verbose` option would: the value, the keyword's schema and its parent schema. */
function enrich(error: AjvError, context: ProblemContext): AjvError {
  const segments = error.schemaPath
    .replace(/^#\/?/, '')
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'));
  const parentSchema = valueAt(context.schema, segments.slice(0, -1));
  return {
    ...error,
    data: valueAt(context.data, toPropertyPath(error.instancePath, context.data)),
    schema: valueAt(context.schema, segments),
    parentSchema: parentSchema as SchemaObject | undefined,
  };
}

/** `handlr: x` already says "did you mean handler?": the missing "handler" problem is noise. */
function isExplainedByTypo(problem: Problem, problems: readonly Problem[]): boolean {
  if (!problem.missing) return false;
  const at = formatPropertyPath(problem.path);
  return problems.some(
    (other) =>
      other.suggestion !== undefined &&
      problem.missing!.includes(other.suggestion) &&
      formatPropertyPath(other.path.slice(0, -1)) === at,
  );
}

/**
 * ajv reports every failing branch of an `anyOf`. Keep the branch whose type matches the
 * value (an object for the object form of `http`, a string for its shorthand); when no branch
 * matches, report one "must be X or Y" error instead.
 */
function selectBranches(errors: readonly AjvError[]): AjvError[] {
  const dropped = new Set<AjvError>();
  const replacements = new Map<AjvError, AjvError>();
  const unions = errors
    .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const union of unions) {
    if (dropped.has(union)) continue;
    const prefix = `${union.schemaPath}/`;
    const branches = new Map<number, AjvError[]>();
    for (const error of errors) {
      if (dropped.has(error) || !error.schemaPath.startsWith(prefix)) continue;
      const inside =
        error.instancePath === union.instancePath || error.instancePath.startsWith(`${union.instancePath}/`);
      if (!inside) continue;
      const index = Number(error.schemaPath.slice(prefix.length).split('/')[0]);
      branches.set(index, [...(branches.get(index) ?? []), error]);
    }
    const branchErrors = [...branches.values()].flat();
    if (union.keyword === 'oneOf' && branches.size < (union.schema as unknown[]).length) {
      // oneOf failed because more than one branch matched: its own error says it.
      for (const error of branchErrors) dropped.add(error);
      continue;
    }
    const isRootMismatch = (error: AjvError, index: number) =>
      error.instancePath === union.instancePath &&
      ['type', 'const', 'enum'].includes(error.keyword) &&
      error.schemaPath === `${prefix}${index}/${error.keyword}`;
    const matching = [...branches.entries()].filter(([index, errs]) => !errs.some((e) => isRootMismatch(e, index)));
    const onlyRequired = branchErrors.every((e) => e.keyword === 'required' && e.instancePath === union.instancePath);
    for (const error of branchErrors) dropped.add(error);
    if (onlyRequired && branchErrors.length) {
      const missing = branchErrors.map((e) => String(e.params.missingProperty));
      replacements.set(union, { ...union, keyword: 'requiredOneOf', params: { missing } });
      continue;
    }
    if (matching.length === 0) {
      replacements.set(union, { ...union, keyword: 'typeUnion' });
      continue;
    }
    const [, chosen] = matching.reduce((best, candidate) => (candidate[1].length < best[1].length ? candidate : best));
    for (const error of chosen) dropped.delete(error);
    dropped.add(union);
  }
  return errors.filter((e) => !dropped.has(e)).map((e) => replacements.get(e) ?? e);
}

/** `/functions/hello/events/0` → `['functions', 'hello', 'events', 0]` (numbers only for list indexes). */
export function toPropertyPath(pointer: string, data: unknown): PropertyPath {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(segment)) {
      path.push(Number(segment));
      node = node[Number(segment)];
    } else {
      path.push(segment);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

function isEventItemPath(path: PropertyPath): boolean {
  return path.length === 4 && path[0] === 'functions' && path[2] === 'events' && typeof path[3] === 'number';
}

function where(path: PropertyPath): string {
  return path.length ? formatPropertyPath(path) : 'The configuration';
}

function valueAt(data: unknown, path: PropertyPath): unknown {
  let node = data;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

function eventSchemas(schema: SchemaObject): Record<string, SchemaObject> {
  const fn = Object.values(schema.properties?.functions?.patternProperties ?? {})[0] as SchemaObject | undefined;
  return (fn?.properties?.events?.items?.properties ?? {}) as Record<string, SchemaObject>;
}

/** The description that best explains the value at `path` (its own, else its event's). */
function explain(error: AjvError, path: PropertyPath, context: ProblemContext): string | undefined {
  const own = (error.parentSchema as SchemaObject | undefined)?.description;
  const examples = (error.parentSchema as SchemaObject | undefined)?.examples as unknown[] | undefined;
  let text = typeof own === 'string' ? own : undefined;
  if (!text && isEventItemPath(path.slice(0, 4)) && path.length >= 5) {
    const event = eventSchemas(context.schema)[String(path[4])];
    if (typeof event?.description === 'string') text = event.description;
  }
  if (examples?.length) {
    const shown = `For example: ${examples.map((e) => JSON.stringify(e)).join(', ')}.`;
    text = text ? `${text} ${shown}` : shown;
  }
  return text;
}

function problemFor(error: AjvError, path: PropertyPath, context: ProblemContext): Problem {
  const at = where(path);
  const got = isConcealed(path, context.concealedPaths) ? '********' : describeValue(error.data);
  const schema = error.parentSchema as SchemaObject | undefined;
  const hint = explain(error, path, context);
  switch (error.keyword) {
    case 'additionalProperties':
      return unknownPropertyProblem(String(error.params.additionalProperty), path, schema ?? {}, context);
    case 'required': {
      const missing = String(error.params.missingProperty);
      const property = schema?.properties?.[missing] as SchemaObject | undefined;
      return {
        code: 'CONFIG_MISSING_PROPERTY',
        path,
        message: `${at} is missing the required property "${missing}".`,
        missing: [missing],
        hint:
          path.length === 0 && missing === 'service'
            ? 'Add "service: my-service" at the top of the file.'
            : typeof property?.description === 'string'
              ? `${missing}: ${property.description}`
              : undefined,
      };
    }
    case 'requiredOneOf': {
      const missing = error.params.missing as string[];
      const what = path[0] === 'functions' && path.length === 2 ? 'function' : 'value';
      return {
        code: 'CONFIG_MISSING_PROPERTY',
        path,
        message: `${at} is missing ${missing.map((m) => `"${m}"`).join(' or ')}.`,
        missing,
        hint:
          what === 'function'
            ? 'Set handler: file.export (e.g. handler: src/handler.hello), or image: for a container.'
            : undefined,
      };
    }
    case 'type': {
      const types = String(error.params.type).split(',');
      const wholeNumber = types.includes('integer') && typeof error.data === 'number';
      return {
        code: 'CONFIG_INVALID_TYPE',
        path,
        message: `${at} must be ${wholeNumber ? 'a whole number' : describeTypes(types)} (got ${got}).`,
        hint: isEventItemPath(path)
          ? 'Write each event as "- <event>: <settings>", for example "- httpApi: GET /hello".'
          : hint,
      };
    }
    case 'typeUnion': {
      const branches = (error.schema as SchemaObject[]) ?? [];
      const types = branches.flatMap((b) =>
        b.const !== undefined ? [JSON.stringify(b.const)] : Array.isArray(b.type) ? b.type : b.type ? [b.type] : [],
      );
      return {
        code: 'CONFIG_INVALID_TYPE',
        path,
        message: `${at} must be ${describeTypes(types)} (got ${got}).`,
        hint: typeof schema?.description === 'string' ? schema.description : hint,
      };
    }
    case 'enum': {
      const allowed = (error.params.allowedValues as unknown[]) ?? [];
      if (path[path.length - 1] === 'runtime' && context.active)
        return runtimeProblem(path, error.data, allowed, context.active);
      const suggestion = typeof error.data === 'string' ? didYouMean(error.data, allowed.map(String)) : undefined;
      return {
        code: 'CONFIG_INVALID_VALUE',
        path,
        message: `${at} must be one of ${quoteList(allowed)} (got ${got}).`,
        hint: suggestion ?? hint,
      };
    }
    case 'const':
      return {
        code: 'CONFIG_INVALID_VALUE',
        path,
        message: `${at} must be ${JSON.stringify(error.params.allowedValue)} (got ${got}).`,
        hint,
      };
    case 'pattern':
      return { code: 'CONFIG_INVALID_VALUE', path, message: `${at} is not valid (got ${got}).`, hint };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        code: 'CONFIG_INVALID_VALUE',
        path,
        message: `${at} must be ${String(error.params.comparison)} ${String(error.params.limit)} (got ${got}).`,
        hint,
      };
    case 'minItems':
    case 'maxItems': {
      const limit = Number(error.params.limit);
      const word = error.keyword === 'minItems' ? 'at least' : 'at most';
      return {
        code: 'CONFIG_INVALID_VALUE',
        path,
        message: `${at} must have ${word} ${limit} item${limit === 1 ? '' : 's'}.`,
        hint,
      };
    }
    case 'minLength':
    case 'maxLength': {
      const limit = Number(error.params.limit);
      const message =
        error.keyword === 'minLength' && limit === 1
          ? `${at} must not be empty.`
          : `${at} must be ${error.keyword === 'minLength' ? 'at least' : 'at most'} ${limit} characters long (got ${String(error.data).length}).`;
      return { code: 'CONFIG_INVALID_VALUE', path, message, hint };
    }
    default:
      return {
        code: 'CONFIG_INVALID_VALUE',
        path,
        message: `${at} is not valid: ${error.message ?? error.keyword}.`,
        hint,
      };
  }
}

function unknownPropertyProblem(
  key: string,
  parent: PropertyPath,
  schema: SchemaObject,
  context: ProblemContext,
): Problem {
  const path = [...parent, key];
  const allowed = Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {});
  const patterns = Object.keys((schema.patternProperties as Record<string, unknown> | undefined) ?? {});
  if (!allowed.length && patterns.length) {
    const hints: Record<string, string> = {
      functions: 'Function names may only contain letters, digits, - and _.',
      params: 'Stage names may only contain letters, digits and -.',
      stages: 'Stage names may only contain letters, digits and -.',
    };
    const last = parent[parent.length - 1];
    const isEnvironment = last === 'environment';
    return {
      code: 'CONFIG_INVALID_KEY',
      path,
      message: `${where(parent)} has an invalid ${isEnvironment ? 'variable name' : 'key'} "${key}".`,
      hint: isEnvironment
        ? 'Environment variable names start with a letter or _ and contain only letters, digits and _.'
        : (hints[String(last)] ?? `Keys must match ${patterns.join(' or ')}.`),
    };
  }
  const message =
    parent.length === 0 ? `Unknown top-level property "${key}".` : `${where(parent)} has an unknown property "${key}".`;
  const match = closest(key, allowed);
  const suggestion = match === undefined ? undefined : `Did you mean "${match}"?`;
  const elsewhere = providersDefiningProperty(key, parent, context);
  const hint = suggestion
    ? suggestion
    : elsewhere.length
      ? `"${key}" is a setting of the ${elsewhere.join(', ')} provider${elsewhere.length > 1 ? 's' : ''}, not of ${context.active?.name ?? 'this one'}.`
      : `Allowed here: ${allowed.join(', ')}.`;
  return { code: 'CONFIG_UNKNOWN_PROPERTY', path, message, hint, ...(match ? { suggestion: match } : {}) };
}

function providersDefiningProperty(key: string, parent: PropertyPath, context: ProblemContext): string[] {
  const isProvider = parent.length === 1 && parent[0] === 'provider';
  const isFunction = parent.length === 2 && parent[0] === 'functions';
  if (!isProvider && !isFunction) return [];
  return context.providers
    .filter((p) => p !== context.active && (isProvider ? p.schema.provider : p.schema.function)?.[key] !== undefined)
    .map((p) => p.name);
}

function runtimeProblem(
  path: PropertyPath,
  value: unknown,
  allowed: readonly unknown[],
  active: ProviderDefinition,
): Problem {
  const supported = allowed.map(String);
  const suggestion = typeof value === 'string' ? didYouMean(value, supported) : undefined;
  return {
    code: 'CONFIG_RUNTIME_UNSUPPORTED',
    path,
    message: `${formatPropertyPath(path)} ${describeValue(value)} is not supported by the ${active.name} provider.`,
    hint: `${suggestion ? `${suggestion} ` : ''}Supported runtimes: ${supported.join(', ')}.`,
  };
}

/** Problems of one `events:` list item: unknown or unserved event names, zero or several events. */
function eventItemProblems(errors: AjvError[], path: PropertyPath, context: ProblemContext): Problem[] {
  const at = where(path);
  const item = valueAt(context.data, path) as Record<string, unknown> | undefined;
  const original = valueAt(context.original, path) as Record<string, unknown> | undefined;
  const served = Object.keys(eventSchemas(context.schema));
  const providerName = context.active?.name ?? 'this';

  // `- http:` followed by its settings at the same indentation: `{http: null, path, method}`.
  const emptyEvent = Object.entries(original ?? {}).find(([k, v]) => v === null && served.includes(k))?.[0];
  const strays = Object.keys(original ?? {}).filter((k) => k !== emptyEvent);
  if (emptyEvent && strays.length && strays.every((k) => !served.includes(k))) {
    return [
      {
        code: 'CONFIG_EVENT_INDENTATION',
        path: [...path, emptyEvent],
        message: `${at}.${emptyEvent} has no settings, and ${quoteList(strays)} sit${strays.length === 1 ? 's' : ''} beside it.`,
        hint: `Indent ${strays.join(', ')} under "${emptyEvent}:" (two more spaces) so they configure the event.`,
      },
    ];
  }

  const problems: Problem[] = [];
  for (const error of errors.filter((e) => e.keyword === 'additionalProperties')) {
    const name = String(error.params.additionalProperty);
    problems.push(unknownEventProblem(name, [...path, name], served, providerName, context));
  }
  if (errors.some((e) => e.keyword === 'minProperties')) {
    problems.push({
      code: 'CONFIG_INVALID_VALUE',
      path,
      message: `${at} is empty.`,
      hint: `Name one event, for example "- httpApi: GET /hello". Events on ${providerName}: ${served.join(', ')}.`,
    });
  }
  if (errors.some((e) => e.keyword === 'maxProperties') && !problems.length) {
    const keys = Object.keys(item ?? {});
    problems.push({
      code: 'CONFIG_INVALID_VALUE',
      path,
      message: `${at} declares ${keys.length} events (${keys.join(', ')}); a list item holds exactly one.`,
      hint: 'Start each event with its own "- ".',
    });
  }
  return problems;
}

function unknownEventProblem(
  name: string,
  path: PropertyPath,
  served: readonly string[],
  providerName: string,
  context: ProblemContext,
): Problem {
  const at = formatPropertyPath(path.slice(0, -1));
  const servedBy = context.providers
    .filter((p) => p !== context.active)
    .filter((p) => p.capabilities.events.includes(name) || p.schema.events?.[name] !== undefined)
    .map((p) => p.name);
  const portable = (PORTABLE_EVENTS as readonly string[]).includes(name);
  const v3Aws = (V3_AWS_EVENTS as readonly string[]).includes(name);
  if (servedBy.length || portable || v3Aws) {
    const portableServed = PORTABLE_EVENTS.filter((e) => served.includes(e));
    let hint: string;
    if (servedBy.length) {
      hint =
        `"${name}" is served by: ${servedBy.join(', ')}. Switch provider.name (or stages.<stage>.provider.name) to ` +
        `${servedBy.length > 1 ? 'one of them' : 'it'}, or use a portable event (${portableServed.join(', ')}).`;
    } else if (v3Aws && !portable) {
      hint =
        `"${name}" is an aws event (Serverless Framework v3) and no installed provider serves it yet. ` +
        `Events on ${providerName}: ${served.join(', ')}.`;
    } else {
      hint = `No installed provider serves "${name}" yet. Events on ${providerName}: ${served.join(', ')}.`;
    }
    return {
      code: 'CONFIG_EVENT_UNSUPPORTED',
      path,
      message: `${at}: the "${name}" event is not available on the ${providerName} provider.`,
      hint,
    };
  }
  const known = new Set([
    ...served,
    ...V3_AWS_EVENTS,
    ...context.providers.flatMap((p) => [...p.capabilities.events, ...Object.keys(p.schema.events ?? {})]),
  ]);
  const match = closest(name, known);
  return {
    code: 'CONFIG_UNKNOWN_EVENT',
    path,
    message: `${at} has an unknown event "${name}".`,
    hint: match ? `Did you mean "${match}"?` : `Events on ${providerName}: ${served.join(', ')}.`,
  };
}
