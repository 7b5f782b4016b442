import type { PropertyPath } from '../config/index.js';
import { SkyrunError, type SkyrunWarning, type SourceLocation } from '../errors/index.js';
import { showPath } from './errors.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function key(propertyPath: PropertyPath): string {
  return propertyPath.join('\u0000');
}

/** The keys a `stages.<name>` block may hold. */
const STAGE_KEYS = new Set(['params', 'provider']);

export interface StageOverrides {
  /** The configuration with `stages.default.provider` then `stages.<stage>.provider` deep-merged into `provider`. */
  readonly config: Record<string, unknown>;
  /** Where a merged property is written: `provider.name` → `stages.prod.provider.name`. */
  source(propertyPath: PropertyPath): PropertyPath;
  readonly warnings: readonly SkyrunWarning[];
}

/**
 * Apply `stages.default` then `stages.<stage>` to the written (unresolved) configuration. Their
 * `params` are read by the `param:` source in place. The `stages` key itself stays in the output
 * as written (resolved), so `print` shows the file's content as v3 does.
 */
export function applyStageOverrides(
  root: Record<string, unknown>,
  stage: string,
  locate: (propertyPath: PropertyPath) => SourceLocation,
): StageOverrides {
  const origins = new Map<string, PropertyPath>();
  const warnings: SkyrunWarning[] = [];
  const stages = root.stages;
  const source = (propertyPath: PropertyPath): PropertyPath => {
    if (origins.size === 0) return propertyPath;
    for (let n = propertyPath.length; n > 0; n--) {
      const origin = origins.get(key(propertyPath.slice(0, n)));
      if (origin) return [...origin, ...propertyPath.slice(n)];
    }
    return propertyPath;
  };
  if (stages === undefined || stages === null) return { config: root, source, warnings };
  const notMapping = (at: PropertyPath, what: string): SkyrunError =>
    new SkyrunError({
      code: 'CONFIG_STAGES_SHAPE',
      message: `"${showPath(at)}" must be a mapping of ${what}`,
      hint: 'Write stages as `stages: {default: {params: {...}}, prod: {params: {...}, provider: {...}}}`.',
      location: locate(at),
      exit: 'config',
    });
  if (!isPlainObject(stages)) throw notMapping(['stages'], 'stage names to their settings');

  let provider: unknown = root.provider;
  let overridden = false;
  const names = stage === 'default' ? ['default'] : ['default', stage];
  for (const name of names) {
    const block = stages[name];
    if (block === undefined || block === null) continue;
    if (!isPlainObject(block)) throw notMapping(['stages', name], 'settings (params, provider)');
    for (const blockKey of Object.keys(block)) {
      if (!STAGE_KEYS.has(blockKey)) {
        warnings.push({
          code: 'STAGES_UNKNOWN_KEY',
          message: `"stages.${name}.${blockKey}" is ignored: a stage may set params and provider.`,
          hint: 'Move it under stages.' + name + '.params (read with ${param:...}) or stages.' + name + '.provider.',
          location: locate(['stages', name, blockKey]),
        });
      }
    }
    const override = block.provider;
    if (override === undefined || override === null) continue;
    if (!isPlainObject(override)) throw notMapping(['stages', name, 'provider'], 'provider settings');
    provider = merge(
      isPlainObject(provider) ? provider : {},
      override,
      ['provider'],
      ['stages', name, 'provider'],
      origins,
    );
    overridden = true;
  }
  return { config: overridden ? { ...root, provider } : root, source, warnings };
}

function merge(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
  at: PropertyPath,
  from: PropertyPath,
  origins: Map<string, PropertyPath>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [name, value] of Object.entries(override)) {
    const current = out[name];
    if (isPlainObject(current) && isPlainObject(value)) {
      out[name] = merge(current, value, [...at, name], [...from, name], origins);
    } else {
      out[name] = value;
      origins.set(key([...at, name]), [...from, name]);
    }
  }
  return out;
}
