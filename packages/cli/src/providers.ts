import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ProviderDefinition } from '@skyrun/core';
import { createProviderRegistry, type ProviderRegistry } from '@skyrun/core/provider/registry';

interface PackageJson {
  dependencies?: Record<string, string>;
  skyrun?: { provider?: string };
}

const PROVIDER_PACKAGE = /^@skyrun\/provider-/;

/**
 * Every `@skyrun/provider-*` dependency of the CLI is a provider: adding one is adding a
 * folder and a dependency, never a switch statement. Only package.json files are read here;
 * a provider's definition is imported when it is first asked for.
 */
export function createInstalledProviderRegistry(): ProviderRegistry {
  const own = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as PackageJson;
  const require = createRequire(import.meta.url);
  const loaders: Record<string, () => Promise<ProviderDefinition>> = {};
  for (const dependency of Object.keys(own.dependencies ?? {})) {
    if (!PROVIDER_PACKAGE.test(dependency)) continue;
    const manifest = JSON.parse(readFileSync(require.resolve(`${dependency}/package.json`), 'utf8')) as PackageJson;
    const name = manifest.skyrun?.provider ?? dependency.replace(PROVIDER_PACKAGE, '');
    loaders[name] = async () => ((await import(`${dependency}/definition`)) as { default: ProviderDefinition }).default;
  }
  return createProviderRegistry(loaders);
}
