import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { displayPath, loadDocument } from '../../config/index.js';
import { isSkyrunError } from '../../errors/index.js';
import type { CoreSource, CoreSourceRequest } from './types.js';

/** What a file holds; `null` when it does not exist (so fallbacks apply, as in v3). */
type FileContent = { readonly kind: 'data'; readonly data: unknown; readonly module: boolean } | null;

/** File contents shared by every resolution of one run (each file is read once). */
export type FileCache = Map<string, Promise<FileContent>>;

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
      return false;
    throw error;
  }
}

async function load(file: string, request: CoreSourceRequest): Promise<FileContent> {
  if (!(await exists(file))) return null;
  const ext = path.extname(file).toLowerCase();
  const shown = displayPath(file);
  if (ext === '.js' || ext === '.cjs' || ext === '.mjs') {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (cause) {
      return request.fail(
        'CONFIG_VARIABLE_FILE_LOAD',
        `Cannot load "${shown}": Initialization error: ${(cause as Error)?.message ?? String(cause)}`,
        `Run \`node ${shown}\` to see the full error.`,
        cause,
      );
    }
    const { default: exported, ...named } = mod;
    return { kind: 'data', data: exported !== undefined ? exported : named, module: true };
  }
  if (ext === '.yml' || ext === '.yaml' || ext === '.json' || ext === '.tfstate') {
    const document = await loadDocument(file);
    return { kind: 'data', data: document.data, module: false };
  }
  try {
    return { kind: 'data', data: await readFile(file, 'utf8'), module: false };
  } catch (cause) {
    return request.fail(
      'CONFIG_VARIABLE_FILE_LOAD',
      `Cannot read "${shown}": ${(cause as Error).message}`,
      'Check that the file is readable.',
      cause,
    );
  }
}

/** `${file(./x.yml):a.b}`: YAML, JSON, JS (a value or an (async) function), or plain text. */
export function createFileSource(cache: FileCache): CoreSource {
  return {
    async resolve(request) {
      const target = request.params[0];
      if (target === undefined || target === null || target === '') {
        return request.fail(
          'CONFIG_VARIABLE_FILE_PATH',
          'Missing path argument in variable "file" source',
          'Write it as ${file(./path/to/file.yml):some.property}.',
        );
      }
      if (typeof target !== 'string') {
        return request.fail(
          'CONFIG_VARIABLE_FILE_PATH',
          `Non-string path argument in variable "file" source: ${JSON.stringify(target)}`,
          'Pass a path relative to the service directory.',
        );
      }
      const file = path.resolve(request.serviceDir, target);
      let pending = cache.get(file);
      if (!pending) {
        pending = load(file, request);
        cache.set(file, pending);
      }
      const content = await pending;
      const missing = {
        detail: `Value not found at "file" source`,
        hint:
          content === null
            ? `${displayPath(file)} does not exist (paths are relative to the service directory); create it or give a fallback.`
            : `${displayPath(file)} has no "${request.address ?? ''}" property; add it or give a fallback.`,
      };
      if (content === null) return { value: null, missing };
      const call = async (fn: unknown, what: string): Promise<unknown> => {
        try {
          return await (fn as (arg: unknown) => unknown)({
            options: request.options,
            resolveVariable: request.resolveVariable,
            resolveConfigurationProperty: async (keys: readonly string[]) =>
              (await request.resolveProperty(keys)).value,
          });
        } catch (cause) {
          if (isSkyrunError(cause)) throw cause;
          return request.fail(
            'CONFIG_VARIABLE_FILE_FUNCTION',
            `Cannot resolve "${path.basename(file)}"${what}: Returned JS function errored with: ${(cause as Error)?.message ?? String(cause)}`,
            `Fix the function in ${displayPath(file)}; it receives { options, resolveVariable }.`,
            cause,
          );
        }
      };
      let value = content.data;
      let called = false;
      if (content.module && typeof value === 'function') {
        value = await call(value, '');
        called = true;
      }
      if (request.address) {
        for (const key of request.address.split('.')) {
          if (value === null || value === undefined || (typeof value !== 'object' && typeof value !== 'function'))
            return { value: null, missing };
          value = (value as Record<string, unknown>)[key];
          if (value === null || value === undefined) return { value: null, missing };
          if (content.module && !called && typeof value === 'function') {
            value = await call(value, ` (property "${request.address}")`);
            called = true;
          }
        }
      }
      return { value, missing };
    },
  };
}
