import { Command, Flags, type Interfaces } from '@oclif/core';
import type { CommandContext, HookEngine, LoadedService, ProgressReporter, SkyrunWarning } from '@skyrun/core';
import { createProgressReporter } from './output/progress-reporter.js';
import { printError } from './output/print-error.js';

/** Flags every command accepts (Serverless Framework v3 names and short forms). */
export const serviceFlags = {
  config: Flags.string({
    char: 'c',
    description: 'Path to the service file (default: serverless.yml|yaml|json|js|mjs|ts).',
    helpGroup: 'GLOBAL',
  }),
  stage: Flags.string({
    char: 's',
    description: 'Stage of the service (default: provider.stage, then dev).',
    helpGroup: 'GLOBAL',
  }),
  region: Flags.string({ char: 'r', description: 'Region of the service.', helpGroup: 'GLOBAL' }),
  param: Flags.string({
    description: 'A parameter for ${param:KEY}, as KEY=VALUE. Repeatable.',
    multiple: true,
    helpGroup: 'GLOBAL',
  }),
  provider: Flags.string({
    description: 'Run this command against another provider than provider.name (e.g. local).',
    helpGroup: 'GLOBAL',
  }),
  verbose: Flags.boolean({ description: 'Show more progress detail.', helpGroup: 'GLOBAL' }),
  debug: Flags.boolean({ description: 'Show stack traces and internal detail on errors.', helpGroup: 'GLOBAL' }),
};

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof SkyrunCommand)['baseFlags'] & T['flags']
>;

export abstract class SkyrunCommand extends Command {
  static override baseFlags = serviceFlags;

  private debugMode = false;
  private jsonMode = false;

  protected progress(flags: { verbose?: boolean }): ProgressReporter {
    return createProgressReporter({ verbose: flags.verbose, quiet: this.jsonEnabled() });
  }

  /** Options handed to the core: every flag, v3 names, for `${opt:...}`. */
  protected cliOptions(flags: Record<string, unknown>): Record<string, unknown> {
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(flags)) if (value !== undefined) options[key] = value;
    return options;
  }

  protected async loadService(flags: Record<string, unknown>, progress: ProgressReporter): Promise<LoadedService> {
    this.debugMode = Boolean(flags.debug);
    this.jsonMode = this.jsonEnabled();
    const [{ loadService }, { createInstalledProviderRegistry }] = await Promise.all([
      import('@skyrun/core/service/load-service'),
      import('./providers.js'),
    ]);
    const loaded = await loadService({
      cwd: process.cwd(),
      config: flags.config as string | undefined,
      options: this.cliOptions(flags),
      env: process.env,
      registry: createInstalledProviderRegistry(),
    });
    this.reportWarnings(loaded.warnings, progress);
    return loaded;
  }

  /** Load the service and build what a core operation takes: its context and a fresh hook engine. */
  protected async commandContext<C extends CommandContext = CommandContext>(
    flags: Record<string, unknown> & { verbose?: boolean },
  ): Promise<{ context: CommandContext; hooks: HookEngine<C> }> {
    const progress = this.progress(flags);
    const [loaded, { HookEngine }] = await Promise.all([
      this.loadService(flags, progress),
      import('@skyrun/core/lifecycle/index'),
    ]);
    return { context: { loaded, options: this.cliOptions(flags), progress }, hooks: new HookEngine<C>() };
  }

  protected reportWarnings(warnings: readonly SkyrunWarning[], progress: ProgressReporter): void {
    for (const warning of warnings) {
      const where = warning.location
        ? `${warning.location.file}:${warning.location.line}:${warning.location.column}: `
        : '';
      progress.warn(`${where}${warning.message}${warning.hint ? `\n  ${warning.hint}` : ''}`);
    }
  }

  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<never> {
    const argv = this.argv ?? [];
    const debug = this.debugMode || argv.includes('--debug');
    const json = this.jsonMode || argv.includes('--json');
    const code = printError(error, { debug, json });
    return this.exit(code);
  }
}

export type { Interfaces };

/** A command that needs no service file (create, schema, local ...): only --debug, same error output. */
export abstract class StandaloneCommand extends Command {
  static override baseFlags = { debug: serviceFlags.debug };

  protected override async catch(error: Error): Promise<never> {
    const argv = this.argv ?? [];
    return this.exit(printError(error, { debug: argv.includes('--debug'), json: argv.includes('--json') }));
  }
}
