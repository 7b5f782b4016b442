import path from 'node:path';
import type { SkyrunWarning } from '../errors/index.js';
import { findServiceFile, loadServiceFile, type LoadedDocument } from '../config/index.js';
import type { ProviderDefinition } from '../provider/contract.js';
import type { ProviderRegistry } from '../provider/registry.js';
import { resolveConfiguration } from '../variables/resolve-configuration.js';
import type { ResolvedConfiguration } from '../variables/types.js';
import { validateConfiguration } from '../validate/validate-configuration.js';
import { normaliseService } from './normalise-service.js';
import type { Service } from './model.js';

export interface LoadServiceOptions {
  readonly cwd: string;
  /** `--config` */
  readonly config?: string;
  /** All CLI options (the `${opt:}` source): stage, region, provider, param, ... */
  readonly options: Readonly<Record<string, unknown>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly registry: ProviderRegistry;
}

export interface LoadedService {
  readonly service: Service;
  readonly document: LoadedDocument;
  readonly resolved: ResolvedConfiguration;
  /** The configuration as `print` shows it (resolved and coerced). */
  readonly config: Record<string, unknown>;
  /** The active provider, or undefined when skyrun does not offer it (print still works). */
  readonly provider?: ProviderDefinition;
  readonly warnings: readonly SkyrunWarning[];
}

/** serverless.yml → load → resolve variables → validate → normalise. */
export async function loadService(options: LoadServiceOptions): Promise<LoadedService> {
  const file = findServiceFile(options.cwd, options.config);
  const serviceDir = path.dirname(file);
  const document = await loadServiceFile(file);
  const { registry } = options;
  const resolved = await resolveConfiguration({
    document,
    serviceDir,
    options: options.options,
    env: options.env,
    providerSources: async (name) => {
      const provider = await registry.find(name);
      return provider ? (provider.variableSources ?? {}) : undefined;
    },
  });
  const provider = await registry.find(resolved.providerName);
  const providers = await registry.all();
  const validated = validateConfiguration({
    config: resolved.config,
    locate: resolved.locate,
    provider,
    providerName: resolved.providerName,
    declaredProviderName: resolved.declaredProviderName,
    concealedPaths: resolved.concealedPaths,
    providers,
  });
  const service = normaliseService({
    config: validated.config,
    stage: resolved.stage,
    providerName: provider?.name ?? resolved.providerName,
    serviceDir,
    configFile: file,
  });
  addFunctionNames(validated.config, service);
  return {
    service,
    document,
    resolved,
    config: validated.config,
    provider,
    warnings: [...resolved.warnings, ...validated.warnings, ...pluginWarnings(service, resolved)],
  };
}

/** As v3 does, the printed configuration names every function as deployed (`<service>-<stage>-<key>`). */
function addFunctionNames(config: Record<string, unknown>, service: Service): void {
  const functions = config.functions;
  if (!functions || typeof functions !== 'object') return;
  for (const [key, fn] of Object.entries(service.functions)) {
    const block = (functions as Record<string, unknown>)[key];
    if (block && typeof block === 'object' && !('name' in block)) (block as Record<string, unknown>).name = fn.name;
  }
}

/** Plugins are not loaded yet: say so once instead of ignoring them silently. */
function pluginWarnings(service: Service, resolved: ResolvedConfiguration): SkyrunWarning[] {
  if (service.plugins.length === 0) return [];
  return [
    {
      code: 'PLUGINS_NOT_LOADED',
      message: `skyrun does not load Serverless Framework plugins yet; these are skipped: ${service.plugins.join(', ')}.`,
      hint: 'The local runtime replaces serverless-offline, and build.esbuild replaces serverless-esbuild / serverless-plugin-typescript. Remove the others from plugins: or keep them for the Serverless Framework.',
      location: resolved.locate(['plugins']),
    },
  ];
}
