import { SkyrunError } from '../errors/index.js';
import type { HookEngine } from '../lifecycle/index.js';
import type { ProgressReporter } from '../output/progress.js';
import type { ProviderContext, ProviderRuntime } from '../provider/contract.js';
import type { LoadedService } from '../service/load-service.js';
import type { FunctionSpec } from '../service/model.js';

/** Shared state of one command run, passed to every lifecycle hook. */
export interface CommandContext {
  readonly loaded: LoadedService;
  readonly options: Readonly<Record<string, unknown>>;
  readonly progress: ProgressReporter;
  readonly signal?: AbortSignal;
}

export type CommandHooks<C extends CommandContext> = HookEngine<C>;

/** The provider verbs for the loaded service; a clear error when skyrun does not offer the provider. */
export async function loadProviderRuntime(ctx: CommandContext): Promise<ProviderRuntime> {
  const { loaded } = ctx;
  if (!loaded.provider) {
    throw new SkyrunError({
      code: 'PROVIDER_NOT_AVAILABLE',
      message: `The provider "${loaded.resolved.providerName}" is not available in this version of skyrun, so this command cannot run.`,
      hint: 'Run the service on the local runtime with --provider local, or add a stage that sets provider.name: local.',
      location: loaded.resolved.locate(['provider', 'name']),
      exit: 'provider',
    });
  }
  return loaded.provider.load();
}

export function providerContext(ctx: CommandContext): ProviderContext {
  return { service: ctx.loaded.service, options: ctx.options, progress: ctx.progress, signal: ctx.signal };
}

/** The function named by `-f`, or a did-you-mean error. */
export function findFunction(ctx: CommandContext, key: string | undefined): FunctionSpec {
  const functions = ctx.loaded.service.functions;
  const names = Object.keys(functions);
  if (!key) {
    throw new SkyrunError({
      code: 'FUNCTION_REQUIRED',
      message: 'Which function? Pass it with -f/--function.',
      hint: names.length ? `Functions in this service: ${names.join(', ')}.` : 'This service has no functions.',
      exit: 'usage',
    });
  }
  const fn = functions[key] ?? Object.values(functions).find((f) => f.name === key);
  if (fn) return fn;
  const close = names.filter(
    (n) => n.toLowerCase().includes(key.toLowerCase()) || key.toLowerCase().includes(n.toLowerCase()),
  );
  throw new SkyrunError({
    code: 'FUNCTION_NOT_FOUND',
    message: `The service has no function "${key}".`,
    hint: close.length
      ? `Did you mean "${close[0]}"? Functions: ${names.join(', ')}.`
      : `Functions: ${names.join(', ') || '(none)'}.`,
    exit: 'usage',
  });
}
