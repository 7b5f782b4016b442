import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { displayPath } from '../config/index.js';
import { SkyrunError } from '../errors/index.js';

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') return undefined;
    throw new SkyrunError({
      code: 'CONFIG_DOTENV_READ',
      message: `Failed to load environment variables from "${displayPath(file)}": ${code ?? (error as Error).message}`,
      hint: 'Check that the file is readable, or remove useDotenv.',
      cause: error,
      exit: 'config',
    });
  }
}

/** `$NAME`, `${NAME}` and `${NAME:-default}` in a value, as dotenv-expand expands them; `\$` is a literal `$`. */
function expand(value: string, lookup: (name: string) => string | undefined, seen: Set<string>): string {
  return value.replace(
    /(\\)?\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (match, escaped, braced, fallback, bare) => {
      if (escaped) return match.slice(1);
      const name = (braced ?? bare) as string;
      if (seen.has(name)) return '';
      const found = lookup(name);
      return found !== undefined && found !== '' ? found : ((fallback as string | undefined) ?? '');
    },
  );
}

export interface DotenvResult {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The file that was loaded, if any. */
  readonly file?: string;
}

/**
 * `useDotenv: true`, as the Serverless Framework v3 does it: `.env.<stage>` from the service
 * directory when it exists, otherwise `.env` (only one of them is loaded); values are expanded;
 * variables already set in the environment win.
 */
export async function loadDotenv(
  serviceDir: string,
  stage: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<DotenvResult> {
  for (const name of [`.env.${stage}`, '.env']) {
    const file = path.join(serviceDir, name);
    const text = await readIfExists(file);
    if (text === undefined) continue;
    const parsed = parseEnv(text) as Record<string, string>;
    const out: Record<string, string | undefined> = { ...env };
    const lookup = (key: string, seen: Set<string>): string | undefined => {
      if (env[key] !== undefined) return env[key];
      const raw = parsed[key];
      if (raw === undefined) return undefined;
      return expand(raw, (inner) => lookup(inner, new Set([...seen, key])), new Set([...seen, key]));
    };
    for (const key of Object.keys(parsed)) {
      if (out[key] === undefined) out[key] = lookup(key, new Set());
    }
    return { env: out, file };
  }
  return { env };
}
