import jsYaml from 'js-yaml';
import { SkyrunError } from '../errors/index.js';
import type { PropertyPath } from '../config/index.js';

export type PrintFormat = 'yaml' | 'json' | 'text';

export interface PrintConfigurationOptions {
  readonly config: Readonly<Record<string, unknown>>;
  readonly format: PrintFormat;
  /** Dotted path of the part to print, e.g. `provider.environment`. */
  readonly path?: string;
  /** Mask these paths (values from `${env:}`, `${param:}` or secret sources). */
  readonly conceal?: readonly PropertyPath[];
}

export const CONCEALED = '********';

/** The part of the configuration `print` shows: concealed, then narrowed to `path`. */
export function selectConfiguration(options: Omit<PrintConfigurationOptions, 'format'>): unknown {
  const value: unknown = options.conceal?.length ? concealPaths(options.config, options.conceal) : options.config;
  return options.path ? selectPath(value, options.path) : value;
}

/** Render the resolved configuration as the Serverless Framework v3 `print` does (js-yaml dump). */
export function printConfiguration(options: PrintConfigurationOptions): string {
  const value = selectConfiguration(options);
  switch (options.format) {
    case 'json':
      return JSON.stringify(value, null, 2);
    case 'text':
      if (Array.isArray(value)) return value.map(String).join('\n');
      if (value !== null && typeof value === 'object') {
        throw new SkyrunError({
          code: 'PRINT_TEXT_OBJECT',
          message: `Cannot print an object as text${options.path ? ` (at "${options.path}")` : ''}.`,
          hint: 'Use --format yaml or --format json, or a --path that points at a scalar or a list.',
          exit: 'usage',
        });
      }
      return String(value);
    default:
      // v3's own call: same options, and the dump's final newline kept (v3 prints a blank line after it).
      return jsYaml.dump(value, { noRefs: true });
  }
}

function selectPath(value: unknown, dotted: string): unknown {
  let current = value;
  for (const part of dotted.split('.')) {
    if (current === null || typeof current !== 'object' || !(part in (current as object))) {
      throw new SkyrunError({
        code: 'PRINT_PATH_NOT_FOUND',
        message: `Path "${dotted}" is not in the resolved configuration (no "${part}").`,
        hint: 'Run `skyrun print` without --path to see the whole configuration.',
        exit: 'usage',
      });
    }
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function concealPaths(config: unknown, paths: readonly PropertyPath[]): unknown {
  const copy = structuredClone(config) as Record<string, unknown>;
  for (const path of paths) {
    if (path.length === 0) return CONCEALED;
    let parent: unknown = copy;
    for (const part of path.slice(0, -1)) {
      parent = parent && typeof parent === 'object' ? (parent as Record<string | number, unknown>)[part] : undefined;
    }
    const last = path[path.length - 1]!;
    if (parent && typeof parent === 'object' && last in parent) {
      (parent as Record<string | number, unknown>)[last] = CONCEALED;
    }
  }
  return copy;
}
