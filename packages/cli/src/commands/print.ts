import { Flags } from '@oclif/core';
import { SkyrunCommand } from '../base-command.js';

export default class Print extends SkyrunCommand {
  static override summary = 'Print the service configuration with every variable resolved.';
  static override description =
    'Shows what skyrun will deploy: variables resolved, stage overrides applied, values coerced as the Serverless Framework v3 does.';
  static override examples = [
    '<%= config.bin %> print',
    '<%= config.bin %> print --stage prod --format json',
    '<%= config.bin %> print --path provider.environment --conceal',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    format: Flags.string({ description: 'Output format.', options: ['yaml', 'json', 'text'], default: 'yaml' }),
    path: Flags.string({ description: 'Print only this dotted path, e.g. provider.environment.' }),
    conceal: Flags.boolean({ description: 'Mask values that came from ${env:}, ${param:} or secret sources.' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Print);
    const progress = this.progress(flags);
    const loaded = await this.loadService(flags, progress);
    const { printConfiguration, selectConfiguration } = await import('@skyrun/core/print/index');
    const selection = {
      config: loaded.config,
      path: flags.path,
      conceal: flags.conceal ? loaded.resolved.concealedPaths : undefined,
    };
    if (this.jsonEnabled()) return selectConfiguration(selection);
    process.stdout.write(`${printConfiguration({ ...selection, format: flags.format as 'yaml' | 'json' | 'text' })}\n`);
    return undefined;
  }
}
