import { fileURLToPath } from 'node:url';

/** `runtime/` ships next to `src/` and `dist/`: both are two levels above this file. */
const runtimeDir = new URL('../../runtime/', import.meta.url);

export const NODE_BOOTSTRAP = fileURLToPath(new URL('node/bootstrap.mjs', runtimeDir));
export const NODE_HANDLER_RUNTIME_URL = new URL('node/handler-runtime.mjs', runtimeDir).href;
export const PYTHON_BOOTSTRAP = fileURLToPath(new URL('python/bootstrap.py', runtimeDir));

export type RuntimeKind = 'node' | 'python';

/** `nodejs20.x` → node, `python3.12` → python; anything else is not served locally. */
export function runtimeKind(runtime: string): RuntimeKind | undefined {
  if (runtime === '' || runtime.startsWith('nodejs') || runtime === 'node') return 'node';
  if (runtime.startsWith('python')) return 'python';
  return undefined;
}
