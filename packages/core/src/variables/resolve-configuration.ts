import { randomBytes } from 'node:crypto';
import type { SkyrunWarning } from '../errors/index.js';
import { loadDotenv } from './dotenv.js';
import { Resolver } from './resolver.js';
import type { FileCache } from './sources/file.js';
import { applyStageOverrides } from './stage-overrides.js';
import type { ResolveConfigurationOptions, ResolvedConfiguration } from './types.js';

function optionString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * Resolve a service file's variables with the Serverless Framework v3 grammar and semantics.
 *
 * 1. The stage: `--stage` > `provider.stage` (which may use core sources) > `dev`; `useDotenv`.
 * 2. `.env` loading, then the `stages.default` / `stages.<stage>` provider overrides.
 * 3. The provider: `--provider` > merged `provider.name` > `local`, lower-cased.
 * 4. Everything else, with the core sources plus the provider's.
 */
export async function resolveConfiguration(options: ResolveConfigurationOptions): Promise<ResolvedConfiguration> {
  const { document, serviceDir } = options;
  const root = document.data as Record<string, unknown>;
  const instanceId = `${Date.now()}${randomBytes(3).toString('hex')}`;
  const fileCache: FileCache = new Map();
  const warnings: SkyrunWarning[] = [];

  const early = new Resolver({
    root,
    options: options.options,
    env: options.env,
    serviceDir,
    instanceId,
    stage: undefined,
    fileCache,
    locate: (propertyPath) => document.locate(propertyPath),
  });
  early.setProviderSources({ kind: 'pending', purpose: 'the stage (provider.stage and useDotenv)' });
  const stageOption = optionString(options.options.stage);
  let stage = stageOption;
  if (stage === undefined) {
    const written = await early.resolve(['provider', 'stage']);
    stage = written === null || written === undefined || written === '' ? 'dev' : String(written);
  }

  let { env } = options;
  if ((await early.resolve(['useDotenv'])) === true) {
    ({ env } = await loadDotenv(serviceDir, stage, options.env));
  }

  const overrides = applyStageOverrides(root, stage, (propertyPath) => document.locate(propertyPath));
  warnings.push(...overrides.warnings);
  const locate = (propertyPath: readonly (string | number)[]) => document.locate(overrides.source(propertyPath));

  const resolver = new Resolver({
    root: overrides.config,
    options: options.options,
    env,
    serviceDir,
    instanceId,
    stage,
    fileCache,
    locate,
  });
  resolver.setProviderSources({ kind: 'pending', purpose: 'provider.name' });
  const providerOption = optionString(options.options.provider);
  const nameOf = (value: unknown) => (value === null || value === undefined || value === '' ? 'local' : String(value));
  const stageProviderName = nameOf(await resolver.resolve(['provider', 'name'])).toLowerCase();
  const providerName = (providerOption ?? stageProviderName).toLowerCase();
  // The file's own top-level provider (before stage overrides), for validation to recognise a
  // service written for one provider and run on another.
  const declaredProviderName = await early
    .resolve(['provider', 'name'])
    .then((value) => nameOf(value).toLowerCase())
    .catch(() => stageProviderName);
  resolver.setProviderSources({
    kind: 'ready',
    provider: providerName,
    sources: await options.providerSources(providerName),
  });

  const config = await resolver.resolveAll();
  if (providerOption !== undefined) {
    const provider = config.provider;
    config.provider =
      provider !== null && typeof provider === 'object' && !Array.isArray(provider)
        ? { ...provider, name: providerName }
        : { name: providerName };
  }

  return {
    config,
    stage,
    providerName,
    declaredProviderName,
    concealedPaths: resolver.concealedPaths(),
    warnings,
    locate,
  };
}
