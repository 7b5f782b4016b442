import type * as Esbuild from 'esbuild';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { SkyrunError, type SourceLocation } from '../errors/index.js';
import { expandIntrinsic, isIntrinsicTag } from './cloudformation-tags.js';
import { importCoreDependency } from '../core-package.js';

export type PropertyPath = readonly (string | number)[];

/** A parsed service (or `${file()}`) document and a way back to source positions. */
export interface LoadedDocument {
  /** Absolute path of the file. */
  file: string;
  /** The plain data, CloudFormation short tags expanded. */
  data: unknown;
  /**
   * Where the value at `propertyPath` is written: its line and column for YAML and JSON;
   * line 1 for js/ts files. For a path that does not exist, the closest existing parent.
   */
  locate(propertyPath: PropertyPath): SourceLocation;
}

/** Render a path as users write it: `functions.hello.events[0].http`. */
export function formatPropertyPath(propertyPath: PropertyPath): string {
  let out = '';
  for (const part of propertyPath) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/** The path relative to cwd for messages (`serverless.yml`, not `/home/me/svc/serverless.yml`). */
export function displayPath(file: string, cwd = process.cwd()): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** Parse YAML or JSON text, keeping positions. Throws a located SkyrunError on a syntax error. */
export function parseYamlDocument(file: string, text: string): LoadedDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const shown = displayPath(file);
  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file: shown, line, column: col };
  };
  const firstError = doc.errors[0];
  if (firstError) {
    const location = at(firstError.pos[0]);
    throw new SkyrunError({
      code: 'CONFIG_SYNTAX',
      message: `${location.file}:${location.line}:${location.column}: ${firstError.message.split('\n')[0]}`,
      hint: 'Fix the YAML syntax at that position (indentation, a missing colon or quote are the usual causes).',
      location,
      exit: 'config',
    });
  }
  const data = toPlain(doc, doc.contents as Node | null);
  return {
    file,
    data,
    locate(propertyPath) {
      for (let n = propertyPath.length; n >= 0; n--) {
        const node = doc.getIn(propertyPath.slice(0, n), true) as Node | undefined;
        const offset = node?.range?.[0];
        if (typeof offset === 'number') return at(offset);
        if (n > 0 && propertyPath.length) {
          const keyOffset = keyOffsetOf(doc, propertyPath.slice(0, n));
          if (keyOffset !== undefined) return at(keyOffset);
        }
      }
      return { file: shown, line: 1, column: 1 };
    },
  };
}

function keyOffsetOf(doc: Document, propertyPath: PropertyPath): number | undefined {
  const parent = doc.getIn(propertyPath.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const last = propertyPath[propertyPath.length - 1];
  const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last);
  return (pair?.key as Node | undefined)?.range?.[0];
}

function toPlain(doc: Document, node: Node | null | undefined): unknown {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return toPlain(doc, node.resolve(doc) as Node | undefined);
  let value: unknown;
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyValue = isScalar(pair.key) ? pair.key.value : pair.key;
      const key = typeof keyValue === 'symbol' ? (keyValue.description ?? '') : String(keyValue);
      if (key === '<<' && pair.value) {
        const merged = toPlain(doc, pair.value as Node);
        for (const source of Array.isArray(merged) ? merged : [merged]) {
          if (source && typeof source === 'object') {
            for (const [k, v] of Object.entries(source)) if (!(k in out)) out[k] = v;
          }
        }
        continue;
      }
      out[key] = toPlain(doc, pair.value as Node | null);
    }
    value = out;
  } else if (isSeq(node)) {
    value = node.items.map((item) => toPlain(doc, item as Node));
  } else {
    value = (node as { value?: unknown }).value;
  }
  return isIntrinsicTag(node.tag) ? expandIntrinsic(node.tag, value) : value;
}

/** Load a module-based service file (`.js`, `.mjs`, `.ts`): an object, or an (async) function returning one. */
async function loadModule(file: string): Promise<unknown> {
  let url = pathToFileURL(file).href;
  if (file.endsWith('.ts')) url = await transpileTypeScriptConfig(file);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (cause) {
    throw new SkyrunError({
      code: 'CONFIG_MODULE_LOAD',
      message: `${displayPath(file)} could not be loaded: ${(cause as Error).message}`,
      hint: 'Run it with node to see the full error; it must export the configuration (default or module.exports).',
      cause,
      exit: 'config',
    });
  }
  let exported: unknown = mod.default ?? mod;
  if (typeof exported === 'function') exported = await (exported as () => unknown)();
  return exported;
}

async function transpileTypeScriptConfig(file: string): Promise<string> {
  const esbuild = await importCoreDependency<typeof Esbuild>('esbuild');
  const result = await esbuild
    .build({
      entryPoints: [file],
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    })
    .catch((cause: unknown) => {
      throw new SkyrunError({
        code: 'CONFIG_MODULE_LOAD',
        message: `${displayPath(file)} could not be compiled: ${(cause as Error).message.split('\n')[0]}`,
        hint: 'Fix the TypeScript error in the service file.',
        cause,
        exit: 'config',
      });
    });
  const code = result.outputFiles[0]?.text ?? '';
  return `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`;
}

/** Read and parse any supported file (service file or `${file()}` target). */
export async function loadDocument(file: string): Promise<LoadedDocument> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.js' || ext === '.mjs' || ext === '.cjs' || ext === '.ts') {
    const data = await loadModule(file);
    const shown = displayPath(file);
    return { file, data, locate: () => ({ file: shown, line: 1, column: 1 }) };
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new SkyrunError({
      code: 'CONFIG_READ',
      message: `Cannot read ${displayPath(file)}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`,
      hint: 'Check that the file exists and is readable.',
      cause,
      exit: 'config',
    });
  }
  return parseYamlDocument(file, text);
}

/** Load the service file; its top level must be a mapping. */
export async function loadServiceFile(file: string): Promise<LoadedDocument> {
  const doc = await loadDocument(file);
  if (doc.data === null || typeof doc.data !== 'object' || Array.isArray(doc.data)) {
    throw new SkyrunError({
      code: 'CONFIG_NOT_OBJECT',
      message: `${displayPath(file)} must contain a mapping of keys (service, provider, functions, ...).`,
      hint: 'Start from `skyrun create --template local-nodejs` or serverless.yml.example.',
      location: doc.locate([]),
      exit: 'config',
    });
  }
  return doc;
}
