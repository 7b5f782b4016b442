import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/*
 * @skyrun/core's own folder, found by package name rather than relative to this file: the CLI
 * bundles the core into its dist/skyrun.cjs (scripts/bundle-cli.mjs), where a path relative to
 * `import.meta.url` would point into the CLI, and a bare `require` would look in the CLI's
 * node_modules, which under pnpm does not hold the core's dependencies.
 */
const manifestPath = createRequire(import.meta.url).resolve('@skyrun/core/package.json');

/** `require` resolving from the core's folder: for its dependencies that load on demand. */
export const coreRequire = createRequire(manifestPath);

/** `import()` of one of the core's dependencies, resolved from the core's folder. */
export async function importCoreDependency<T>(name: string): Promise<T> {
  return (await import(pathToFileURL(coreRequire.resolve(name)).href)) as T;
}

/** The core's version, `0.0.0` when its package.json cannot be read. */
export function coreVersion(): string {
  try {
    return (JSON.parse(readFileSync(manifestPath, 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
