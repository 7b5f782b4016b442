import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { packagingError } from './errors.js';

export type RuntimeFamily = 'node' | 'python' | 'other';

export function runtimeFamily(runtime: string): RuntimeFamily {
  if (runtime.startsWith('nodejs')) return 'node';
  if (runtime.startsWith('python')) return 'python';
  return 'other';
}

/** `nodejs20.x` → `node20`; unknown versions fall back to node20. */
export function nodeTarget(runtime: string): string {
  const match = /^nodejs(\d+)/.exec(runtime);
  return match ? `node${match[1]}` : 'node20';
}

export interface HandlerRef {
  /** Module path without extension, `/`-separated, relative to the service directory. */
  readonly module: string;
  readonly exportName: string;
}

export function parseHandler(fnKey: string, handler: string): HandlerRef {
  const dot = handler.lastIndexOf('.');
  const slash = handler.lastIndexOf('/');
  if (dot <= 0 || dot < slash || dot === handler.length - 1) {
    throw packagingError({
      code: 'PACKAGE_HANDLER_INVALID',
      message: `The handler "${handler}" of function "${fnKey}" is not of the form path/file.export.`,
      hint: 'Write the handler as the file path without extension, a dot, and the exported function: src/users.create',
    });
  }
  const module = handler.slice(0, dot).replace(/\\/g, '/').replace(/^\.\//, '');
  return { module, exportName: handler.slice(dot + 1) };
}

const NODE_EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs'];
export const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isFile();
  } catch {
    return false;
  }
}

function checkInside(serviceDir: string, fnKey: string, handler: string, abs: string): void {
  const rel = path.relative(serviceDir, abs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw packagingError({
      code: 'PACKAGE_HANDLER_OUTSIDE_SERVICE',
      message: `The handler "${handler}" of function "${fnKey}" points outside the service directory.`,
      hint: 'Handlers are paths relative to the service directory.',
    });
  }
}

/** The handler's source file (TypeScript preferred over JavaScript when both exist). */
export async function findNodeHandlerFile(
  serviceDir: string,
  fnKey: string,
  handler: string,
  ref: HandlerRef,
): Promise<string> {
  const base = path.resolve(serviceDir, ref.module);
  checkInside(serviceDir, fnKey, handler, base);
  for (const extension of NODE_EXTENSIONS) {
    if (await isFile(base + extension)) return base + extension;
  }
  throw packagingError({
    code: 'PACKAGE_HANDLER_NOT_FOUND',
    message: `The handler file of function "${fnKey}" was not found: ${ref.module}{${NODE_EXTENSIONS.join(',')}}.`,
    hint: `Check "handler: ${handler}" — it is the file path relative to the service directory, without extension, then ".${ref.exportName}".`,
  });
}

export async function findPythonHandlerFile(
  serviceDir: string,
  fnKey: string,
  handler: string,
  ref: HandlerRef,
): Promise<string> {
  const candidates = ref.module.includes('/') ? [ref.module] : [ref.module, ref.module.replace(/\./g, '/')];
  for (const candidate of candidates) {
    const base = path.resolve(serviceDir, candidate);
    checkInside(serviceDir, fnKey, handler, base);
    for (const file of [`${base}.py`, path.join(base, '__init__.py')]) {
      if (await isFile(file)) return file;
    }
  }
  throw packagingError({
    code: 'PACKAGE_HANDLER_NOT_FOUND',
    message: `The handler file of function "${fnKey}" was not found: ${ref.module}.py.`,
    hint: `Check "handler: ${handler}" — module path relative to the service directory, then ".${ref.exportName}".`,
  });
}

/**
 * A cheap check that a Python module defines `name` at top level. Modules with a star
 * import are trusted (their names cannot be known without running them).
 */
export function pythonDefines(source: string, name: string): boolean {
  if (/^\s*from\s+\S+\s+import\s+\*/m.test(source)) return true;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const patterns = [
    new RegExp(`^(async\\s+)?def\\s+${escaped}\\s*\\(`, 'm'),
    new RegExp(`^${escaped}\\s*(:[^=\\n]*)?=`, 'm'),
    new RegExp(`^class\\s+${escaped}\\b`, 'm'),
    new RegExp(`^(from\\s+\\S+\\s+)?import\\s+[^\\n]*\\b${escaped}\\b`, 'm'),
  ];
  return patterns.some((pattern) => pattern.test(source));
}

export function missingExportError(
  fnKey: string,
  handler: string,
  file: string,
  exportName: string,
  found: readonly string[],
): Error {
  return packagingError({
    code: 'PACKAGE_HANDLER_EXPORT_MISSING',
    message: `The handler file ${file} of function "${fnKey}" does not export "${exportName}".`,
    hint:
      found.length > 0
        ? `It exports: ${found.join(', ')}. Fix "handler: ${handler}" or export the function.`
        : `Export the function (export const ${exportName} = async (event, context) => ...) or fix "handler: ${handler}".`,
  });
}
