import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type * as AjvModule from 'ajv';
import type { Options, SchemaObject, ValidateFunction } from 'ajv';
import { coreRequire } from '../core-package.js';
import { skyrunCacheDir } from '../skyrun-home.js';

/**
 * v3's ajv settings: `coerceTypes: 'array'` (so `print` shows what v3 shows), every error,
 * no `useDefaults`. Errors are enriched from the schema afterwards, so no `verbose`.
 */
const AJV_OPTIONS: Options = {
  allErrors: true,
  coerceTypes: 'array',
  strict: true,
  strictTypes: false,
  strictRequired: false,
  strictTuples: false,
};

/** Where compiled validators are kept between runs: `$SKYRUN_HOME/cache/validators` (`~/.skyrun`). */
export function validatorCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return skyrunCacheDir('validators', env);
}

/**
 * Compile a schema into a validator. Compiling the configuration schema takes longer than the
 * rest of `skyrun print`, so the generated code is cached on disk by schema hash (as v3 does)
 * and later runs load it without importing ajv's compiler. The cache is best effort.
 */
export function compileValidator(schema: SchemaObject, cacheDir = validatorCacheDir()): ValidateFunction {
  const ajvVersion = (coreRequire('ajv/package.json') as { version: string }).version;
  const key = createHash('sha256')
    .update(JSON.stringify([ajvVersion, AJV_OPTIONS, schema]))
    .digest('hex')
    .slice(0, 32);
  const file = path.join(cacheDir, `${key}.cjs`);
  try {
    return loadValidator(readFileSync(file, 'utf8'));
  } catch {
    // Not cached yet (or unreadable): generate below.
  }
  const code = generateValidatorCode(schema);
  try {
    mkdirSync(cacheDir, { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, code);
    renameSync(temporary, file);
  } catch {
    // A read-only home only costs the next run the compile time.
  }
  return loadValidator(code);
}

function generateValidatorCode(schema: SchemaObject): string {
  const { Ajv } = coreRequire('ajv') as typeof AjvModule;
  const { default: standaloneCode } = coreRequire('ajv/dist/standalone') as {
    default: (ajv: InstanceType<typeof AjvModule.Ajv>, validate: ValidateFunction) => string;
  };
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true, optimize: false } });
  return standaloneCode(ajv, ajv.compile(schema));
}

/** Evaluate standalone CommonJS validator code; its requires resolve from @skyrun/core. */
function loadValidator(code: string): ValidateFunction {
  const module: { exports: { default?: ValidateFunction } & Partial<ValidateFunction> } = { exports: {} };
  // The code is ajv's standalone output for our own schema.
  new Function('require', 'module', 'exports', code)(coreRequire, module, module.exports);
  const validate = (module.exports.default ?? module.exports) as ValidateFunction;
  if (typeof validate !== 'function') throw new Error('The cached validator does not export a function.');
  return validate;
}
