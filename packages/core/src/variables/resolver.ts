import { closest, distance } from 'fastest-levenshtein';
import type { PropertyPath } from '../config/index.js';
import { isSkyrunError, SkyrunError, type SourceLocation } from '../errors/index.js';
import type { VariableSource } from '../provider/contract.js';
import { DependencyGraph } from './dependency-graph.js';
import { showPath, variableError } from './errors.js';
import {
  MAX_NESTING,
  VariableSyntaxError,
  isWholeVariable,
  parseString,
  type ParsedString,
  type Part,
  type Template,
  type TypedSource,
  type VariableNode,
} from './parse.js';
import { envSource } from './sources/env.js';
import { createFileSource, type FileCache } from './sources/file.js';
import { optSource } from './sources/opt.js';
import { paramSource } from './sources/param.js';
import { selfSource } from './sources/self.js';
import { slsSource } from './sources/sls.js';
import { strToBoolSource } from './sources/str-to-bool.js';
import type { CoreSource, CoreSourceResult, PropertyValue } from './sources/types.js';

/** Sources that belong to a provider, for hints when one is used elsewhere. */
const PROVIDER_ONLY_SOURCES: Readonly<Record<string, string>> = { ssm: 'aws', cf: 'aws', s3: 'aws', aws: 'aws' };

/** Whether provider sources can be used yet, and which. */
export type ProviderSourcesState =
  /** Still determining the stage or provider: only core sources. `purpose` ends the sentence "... while resolving". */
  | { readonly kind: 'pending'; readonly purpose: string }
  | {
      readonly kind: 'ready';
      readonly provider: string;
      readonly sources: Readonly<Record<string, VariableSource>> | undefined;
    };

export interface ResolverOptions {
  /** The configuration to resolve (never mutated). */
  readonly root: Record<string, unknown>;
  readonly options: Readonly<Record<string, unknown>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly serviceDir: string;
  readonly instanceId: string;
  /** The stage, or undefined while it is being determined (`--stage` > `provider.stage` > `dev`). */
  readonly stage: string | undefined;
  readonly fileCache: FileCache;
  locate(propertyPath: PropertyPath): SourceLocation;
}

/** Where a value is being resolved: the graph node waiting, the property it lands on, the re-parse depth. */
interface Context {
  readonly node: string;
  readonly at: PropertyPath;
}

interface Outcome {
  readonly value: unknown;
  readonly concealed: boolean;
  readonly concealedParts: readonly PropertyPath[];
  readonly final: boolean;
}

const EXTERNAL = '\u0001external';
const NOTHING: readonly PropertyPath[] = [];

function propertyKey(propertyPath: PropertyPath): string {
  return `p${propertyPath.join('\u0000')}`;
}

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  if (Array.isArray(value)) return true;
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A source value as plain JSON data (v3 normalises results the same way). */
function plain(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  const text = JSON.stringify(value);
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}

function copy(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? structuredClone(value) : value;
}

/** v3's string coercion inside a longer string: objects (and null) cannot be interpolated. */
function interpolated(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return String(value);
  return undefined;
}

/**
 * Resolves the variables of one configuration tree, lazily and once per property: each property
 * is a memoised promise, a dependency graph turns would-be deadlocks into cycle errors, and
 * source calls with the same arguments are made once.
 */
export class Resolver {
  private readonly graph = new DependencyGraph();
  private readonly nodes = new Map<string, Promise<unknown>>();
  private readonly nodePaths = new Map<string, PropertyPath>();
  private readonly sourceCalls = new Map<string, Promise<CoreSourceResult>>();
  private readonly parsed = new Map<string, ParsedString | null | VariableSyntaxError>();
  private readonly concealed = new Map<string, PropertyPath>();
  private readonly coreSources: Readonly<Record<string, CoreSource>>;
  private providerState: ProviderSourcesState = { kind: 'pending', purpose: 'the stage' };

  constructor(private readonly init: ResolverOptions) {
    this.coreSources = {
      self: selfSource,
      opt: optSource,
      env: envSource,
      sls: slsSource,
      file: createFileSource(init.fileCache),
      param: paramSource,
      strToBool: strToBoolSource,
    };
  }

  setProviderSources(state: ProviderSourcesState): void {
    this.providerState = state;
  }

  /** Every property path whose value came from env, a param or a secret. */
  concealedPaths(): PropertyPath[] {
    return [...this.concealed.values()];
  }

  /** The whole configuration, resolved. */
  async resolveAll(): Promise<Record<string, unknown>> {
    return (await this.resolveProperty([], { node: EXTERNAL, at: [] })).value as Record<string, unknown>;
  }

  /** One property, resolved (undefined when absent). */
  async resolve(propertyPath: PropertyPath): Promise<unknown> {
    return (await this.resolveProperty(propertyPath, { node: EXTERNAL, at: propertyPath })).value;
  }

  // ---- properties --------------------------------------------------------------------------

  /**
   * A property as `${self:}` sees it: walk the written tree; a variable on the way is resolved
   * and walked into. Array indexes may be given as text (`events.0`).
   */
  private async resolveProperty(requested: PropertyPath, ctx: Context): Promise<PropertyValue> {
    let raw: unknown = this.init.root;
    const normalised: (string | number)[] = [];
    let i = 0;
    for (; i < requested.length; i++) {
      if (!isContainer(raw)) break;
      const key = Array.isArray(raw) ? Number(requested[i]) : String(requested[i]);
      if (Array.isArray(raw) ? !Number.isInteger(key) : !Object.prototype.hasOwnProperty.call(raw, key)) {
        return { value: undefined, concealed: false, concealedParts: NOTHING };
      }
      raw = (raw as Record<string | number, unknown>)[key];
      normalised.push(key);
    }
    let value = await this.awaitNode(normalised, ctx);
    for (let j = i; j < requested.length; j++) {
      if (value === null || typeof value !== 'object') {
        value = undefined;
        break;
      }
      const key = Array.isArray(value) ? Number(requested[j]) : String(requested[j]);
      value = (value as Record<string | number, unknown>)[key];
      normalised.push(key);
    }
    return { value, ...this.concealmentOf(normalised) };
  }

  /** How much of the property at `propertyPath` is concealed. */
  private concealmentOf(propertyPath: PropertyPath): { concealed: boolean; concealedParts: PropertyPath[] } {
    if (this.concealed.size === 0) return { concealed: false, concealedParts: [] };
    for (let n = 0; n <= propertyPath.length; n++) {
      if (this.concealed.has(propertyKey(propertyPath.slice(0, n)))) return { concealed: true, concealedParts: [] };
    }
    const concealedParts: PropertyPath[] = [];
    const depth = propertyPath.length;
    for (const candidate of this.concealed.values()) {
      if (candidate.length > depth && propertyPath.every((key, index) => String(candidate[index]) === String(key))) {
        concealedParts.push(candidate.slice(depth));
      }
    }
    return { concealed: false, concealedParts };
  }

  private conceal(propertyPath: PropertyPath): void {
    this.concealed.set(propertyKey(propertyPath), propertyPath);
  }

  private awaitNode(propertyPath: PropertyPath, ctx: Context): Promise<unknown> {
    const key = propertyKey(propertyPath);
    this.checkWait(ctx, key);
    let pending = this.nodes.get(key);
    if (!pending) {
      this.nodePaths.set(key, propertyPath);
      this.graph.start(key);
      pending = this.resolveNode(propertyPath, key).finally(() => this.graph.finish(key));
      pending.catch(() => undefined);
      this.nodes.set(key, pending);
    }
    return pending;
  }

  private checkWait(ctx: Context, key: string): void {
    const cycle = this.graph.wait(ctx.node, key);
    if (!cycle) return;
    const shown = cycle.slice(0, -1).flatMap((node) => {
      const found = this.nodePaths.get(node);
      return found ? [`"${showPath(found)}"`] : [];
    });
    const here = shown.indexOf(`"${showPath(ctx.at)}"`);
    if (here > 0) shown.push(...shown.splice(0, here));
    if (shown.length === 0) shown.push(`"${showPath(ctx.at)}"`);
    const detail =
      shown.length === 1
        ? `Circular reference: ${shown[0]} refers to itself`
        : `Circular reference: ${[...shown, shown[0]].join(' → ')}`;
    throw variableError({
      code: 'CONFIG_VARIABLE_CYCLE',
      at: ctx.at,
      detail,
      hint: 'Break the cycle: one of these properties must get its value without referring back to the others.',
      location: this.init.locate(ctx.at),
    });
  }

  private async resolveNode(propertyPath: PropertyPath, key: string): Promise<unknown> {
    let raw: unknown = this.init.root;
    for (const part of propertyPath) raw = (raw as Record<string | number, unknown>)[part];
    const ctx: Context = { node: key, at: propertyPath };
    if (Array.isArray(raw)) {
      return Promise.all(
        raw.map((item, index) => (this.needsNode(item) ? this.awaitNode([...propertyPath, index], ctx) : item)),
      );
    }
    if (isContainer(raw)) {
      const entries = Object.entries(raw);
      const values = await Promise.all(
        entries.map(([name, item]) => (this.needsNode(item) ? this.awaitNode([...propertyPath, name], ctx) : item)),
      );
      const out: Record<string, unknown> = {};
      entries.forEach(([name], index) => {
        out[name] = values[index];
      });
      return out;
    }
    if (typeof raw === 'string') return this.resolveString(raw, ctx, 0);
    return raw;
  }

  private needsNode(value: unknown): boolean {
    return typeof value === 'string' ? value.includes('$') : isContainer(value);
  }

  // ---- values ------------------------------------------------------------------------------

  private parse(text: string, ctx: Context): ParsedString | null {
    let result = this.parsed.get(text);
    if (result === undefined) {
      try {
        result = parseString(text);
      } catch (error) {
        if (!(error instanceof VariableSyntaxError)) throw error;
        result = error;
      }
      this.parsed.set(text, result);
    }
    if (result instanceof VariableSyntaxError) {
      throw new SkyrunError({
        code: result.code === 'VARIABLE_NESTING_TOO_DEEP' ? 'CONFIG_VARIABLE_DEPTH' : 'CONFIG_VARIABLE_SYNTAX',
        message: `Variable syntax error at "${showPath(ctx.at)}": ${result.message}`,
        hint:
          result.code === 'UNTERMINATED_VARIABLE'
            ? 'Close the variable with "}", or write \\${ to keep a literal "${".'
            : 'Variables are written ${source:address} or ${source(params):address}, with optional fallbacks after commas; write \\${ for a literal "${".',
        location: this.init.locate(ctx.at),
        exit: 'config',
      });
    }
    return result;
  }

  /** A value a source produced (file content, env text...): its own variables resolve where it lands. */
  private async resolveProduced(value: unknown, ctx: Context, depth: number): Promise<unknown> {
    if (typeof value === 'string') return this.resolveString(value, ctx, depth);
    if (Array.isArray(value)) {
      return Promise.all(
        value.map((item, index) => this.resolveProduced(item, { node: ctx.node, at: [...ctx.at, index] }, depth)),
      );
    }
    if (isContainer(value)) {
      const entries = Object.entries(value);
      const values = await Promise.all(
        entries.map(([name, item]) => this.resolveProduced(item, { node: ctx.node, at: [...ctx.at, name] }, depth)),
      );
      const out: Record<string, unknown> = {};
      entries.forEach(([name], index) => {
        out[name] = values[index];
      });
      return out;
    }
    return value;
  }

  private async resolveString(text: string, ctx: Context, depth: number): Promise<unknown> {
    const parsed = this.parse(text, ctx);
    if (parsed === null) return text;
    if ('static' in parsed) return parsed.static;
    if (depth > MAX_NESTING) {
      throw variableError({
        code: 'CONFIG_VARIABLE_DEPTH',
        at: ctx.at,
        detail: `Excessive property variables nest depth (values resolving to variables more than ${MAX_NESTING} levels deep)`,
        hint: 'A value keeps resolving to another variable; this is usually a value that refers to itself through an environment variable, option or file.',
        location: this.init.locate(ctx.at),
      });
    }
    const { parts } = parsed;
    if (isWholeVariable(parts)) {
      const outcome = await this.evaluateVariable(parts[0], ctx);
      if (outcome.concealed) this.conceal(ctx.at);
      for (const part of outcome.concealedParts) this.conceal([...ctx.at, ...part]);
      if (outcome.final) return outcome.value;
      return this.resolveProduced(outcome.value, ctx, depth + 1);
    }
    const text2 = await this.interpolate(parts, ctx, (outcome) => {
      if (outcome.concealed || outcome.concealedParts.length) this.conceal(ctx.at);
    });
    return text2;
  }

  /** Text and variables joined into one string (v3 does not parse the result again). */
  private async interpolate(
    parts: readonly Part[],
    ctx: Context,
    onOutcome: (outcome: Outcome) => void,
  ): Promise<string> {
    const values = await Promise.all(
      parts.map(async (part) => {
        if (typeof part === 'string') return part;
        const outcome = await this.evaluateVariable(part, ctx);
        onOutcome(outcome);
        const asText = interpolated(outcome.value);
        if (asText === undefined) {
          throw variableError({
            code: 'CONFIG_VARIABLE_NOT_STRING',
            at: ctx.at,
            detail: `String value consist of variable which resolve with non-string value (${part.text} is ${outcome.value === null ? 'null' : 'an object'})`,
            hint: `A variable inside a longer string must give a string, number or boolean; make ${part.text} the whole value to insert an object.`,
            location: this.init.locate(ctx.at),
          });
        }
        return asText;
      }),
    );
    return values.join('');
  }

  /** An address or param: a literal, one whole variable (keeps its type), or interpolated text. */
  private async evaluateTemplate(
    template: Template,
    ctx: Context,
    onOutcome: (outcome: Outcome) => void,
  ): Promise<unknown> {
    if ('literal' in template) return template.literal;
    if (isWholeVariable(template.parts)) {
      const outcome = await this.evaluateVariable(template.parts[0], ctx);
      onOutcome(outcome);
      return outcome.value;
    }
    return this.interpolate(template.parts, ctx, onOutcome);
  }

  /** The first source that gives a value, else the last fallback; an error when none does. */
  private async evaluateVariable(variable: VariableNode, ctx: Context): Promise<Outcome> {
    let lastMissing: { type: string; detail: string; hint: string } | undefined;
    for (const source of variable.sources) {
      if (source.kind === 'literal') {
        return {
          value: source.value,
          concealed: false,
          concealedParts: NOTHING,
          final: typeof source.value !== 'string',
        };
      }
      let inputsConcealed = false;
      const track = (outcome: Outcome): void => {
        if (outcome.concealed || outcome.concealedParts.length) inputsConcealed = true;
      };
      const params = source.params
        ? await Promise.all(source.params.map((param) => this.evaluateTemplate(param, ctx, track)))
        : [];
      let address: string | undefined;
      if (source.address) {
        const value = await this.evaluateTemplate(source.address, ctx, track);
        if (value !== null && value !== undefined) {
          const asText = interpolated(value);
          if (asText === undefined) {
            throw variableError({
              code: 'CONFIG_VARIABLE_ADDRESS',
              at: ctx.at,
              detail: `Non-string address argument in variable "${source.type}" source: ${JSON.stringify(value)}`,
              hint: `The address of ${variable.text} must resolve to a string.`,
              location: this.init.locate(ctx.at),
            });
          }
          address = asText;
        }
      }
      const result = await this.callSource(source, variable, params, address, ctx);
      if (result.value !== null && result.value !== undefined) {
        return {
          // A property value is shared with where it is written: hand out a copy, so later steps
          // (validation coercion) never change two places at once.
          value: result.final ? copy(result.value) : plain(result.value),
          concealed: inputsConcealed || result.concealed === true,
          concealedParts: result.concealedParts ?? NOTHING,
          final: result.final === true,
        };
      }
      lastMissing = {
        type: source.type,
        detail: result.missing?.detail ?? `Value not found at "${source.type}" source`,
        hint:
          result.missing?.hint ??
          `Check that ${variable.text} exists, or give a fallback: \${${source.type}:..., 'default'}.`,
      };
    }
    throw variableError({
      code: 'CONFIG_VARIABLE_MISSING',
      at: ctx.at,
      detail: lastMissing!.detail,
      hint: lastMissing!.hint,
      location: this.init.locate(ctx.at),
    });
  }

  // ---- sources -----------------------------------------------------------------------------

  private callSource(
    source: TypedSource,
    variable: VariableNode,
    params: readonly unknown[],
    address: string | undefined,
    ctx: Context,
  ): Promise<CoreSourceResult> {
    const key = `s${JSON.stringify([source.type, params, address ?? null])}`;
    this.checkWait(ctx, key);
    let pending = this.sourceCalls.get(key);
    if (!pending) {
      this.graph.start(key);
      pending = this.runSource(source, variable, params, address, { node: key, at: ctx.at }).finally(() =>
        this.graph.finish(key),
      );
      pending.catch(() => undefined);
      this.sourceCalls.set(key, pending);
    }
    return pending;
  }

  private async runSource(
    source: TypedSource,
    variable: VariableNode,
    params: readonly unknown[],
    address: string | undefined,
    ctx: Context,
  ): Promise<CoreSourceResult> {
    const { type } = source;
    const fail = (code: string, detail: string, hint: string, cause?: unknown): never => {
      throw variableError({ code, at: ctx.at, detail, hint, location: this.init.locate(ctx.at), cause });
    };
    const core = Object.prototype.hasOwnProperty.call(this.coreSources, type) ? this.coreSources[type] : undefined;
    if (core) {
      let usedConcealed = false;
      const result = await core.resolve({
        address,
        params,
        options: this.init.options,
        env: this.init.env,
        serviceDir: this.init.serviceDir,
        instanceId: this.init.instanceId,
        stage: () => this.stage(ctx),
        resolveProperty: (propertyPath) => this.resolveProperty(propertyPath, ctx),
        resolveVariable: async (expression) => {
          const outcome = await this.resolveExpression(expression, ctx);
          if (outcome.concealed) usedConcealed = true;
          return outcome.value;
        },
        fail,
      });
      return usedConcealed ? { ...result, concealed: true } : result;
    }
    const providerSource = this.providerSource(type, variable, ctx);
    let result: { value: unknown; secret?: boolean };
    try {
      result = await providerSource.resolve({
        address,
        params,
        options: this.init.options,
        stage: await this.stage(ctx),
        serviceDir: this.init.serviceDir,
        resolveConfigurationProperty: async (propertyPath) => (await this.resolveProperty(propertyPath, ctx)).value,
      });
    } catch (cause) {
      if (isSkyrunError(cause)) throw cause;
      return fail(
        'CONFIG_VARIABLE_SOURCE_FAILED',
        `The "${type}" source failed: ${(cause as Error)?.message ?? String(cause)}`,
        `Check ${variable.text} (and the provider credentials it needs).`,
        cause,
      );
    }
    return { value: result?.value, concealed: result?.secret === true };
  }

  /** The source a provider offers, or a located error saying why it cannot be used here. */
  private providerSource(type: string, variable: VariableNode, ctx: Context): VariableSource {
    const state = this.providerState;
    const owner = PROVIDER_ONLY_SOURCES[type];
    const offered = state.kind === 'ready' ? state.sources : undefined;
    if (offered && Object.prototype.hasOwnProperty.call(offered, type)) return offered[type];
    const location = this.init.locate(ctx.at);
    const known = [...Object.keys(this.coreSources), ...Object.keys(offered ?? {})];
    const isProviderLike = owner !== undefined;
    if (!isProviderLike) {
      const suggestion = closest(type, [...known, ...Object.keys(PROVIDER_ONLY_SOURCES)]);
      const close = suggestion !== undefined && distance(type, suggestion) <= Math.max(2, Math.floor(type.length / 3));
      throw variableError({
        code: 'CONFIG_VARIABLE_UNKNOWN_SOURCE',
        at: ctx.at,
        detail: `Unrecognized variable source "${type}" in ${variable.text}`,
        hint: `${close ? `Did you mean "${suggestion}"? ` : ''}Available sources: ${known.join(', ')}.`,
        location,
      });
    }
    if (state.kind === 'pending') {
      throw variableError({
        code: 'CONFIG_VARIABLE_PROVIDER_SOURCE_TOO_EARLY',
        at: ctx.at,
        detail: `The "${type}" source cannot be used while resolving ${state.purpose}`,
        hint: `${state.purpose} must be known before provider sources load; use only ${Object.keys(this.coreSources).join(', ')} there.`,
        location,
      });
    }
    const byWhom = `"${type}" is a source of the ${owner} provider`;
    throw variableError({
      code: 'CONFIG_VARIABLE_PROVIDER_SOURCE',
      at: ctx.at,
      detail: `The "${type}" source is not available with provider "${state.provider}"`,
      hint:
        state.sources === undefined
          ? `skyrun does not offer the "${state.provider}" provider, so providerSources("${state.provider}") returned no sources; ${byWhom}.`
          : `providerSources("${state.provider}") has no "${type}" source; ${byWhom}: set provider.name: ${owner} (or stages.<stage>.provider.name) to use it.`,
      location,
    });
  }

  private async stage(ctx: Context): Promise<string> {
    if (this.init.stage !== undefined) return this.init.stage;
    const fromOption = this.init.options.stage;
    if (typeof fromOption === 'string' && fromOption) return fromOption;
    const { value } = await this.resolveProperty(['provider', 'stage'], ctx);
    return value === null || value === undefined || value === '' ? 'dev' : String(value);
  }

  /** `resolveVariable('self:x, "y"')` for JS files: a whole variable, resolved as a property value would be. */
  private async resolveExpression(expression: string, ctx: Context): Promise<{ value: unknown; concealed: boolean }> {
    const text = `\${${String(expression)}}`;
    const parsed = this.parse(text, ctx);
    if (parsed === null || 'static' in parsed || !isWholeVariable(parsed.parts)) {
      throw variableError({
        code: 'CONFIG_VARIABLE_SYNTAX',
        at: ctx.at,
        detail: `resolveVariable received an invalid variable "${String(expression)}"`,
        hint: 'Pass a variable without ${}, e.g. resolveVariable("self:provider.stage").',
        location: this.init.locate(ctx.at),
      });
    }
    const outcome = await this.evaluateVariable(parsed.parts[0], ctx);
    const concealed = outcome.concealed || outcome.concealedParts.length > 0;
    const value = outcome.final ? outcome.value : await this.resolveProduced(outcome.value, ctx, 1);
    return { value, concealed };
  }
}
