import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Flags } from '@oclif/core';
import { StandaloneCommand } from '../base-command.js';

/** Needs no service file, so it takes none of the service flags. */
export default class Schema extends StandaloneCommand {
  static override summary = 'Print the JSON Schema of serverless.yml, for editors.';
  static override description =
    'Covers the core keys and every installed provider (or only --provider). Point the YAML language server at it with a first line in serverless.yml: # yaml-language-server: $schema=.skyrun/schema.json';
  static override examples = [
    '<%= config.bin %> schema --output .skyrun/schema.json',
    '<%= config.bin %> schema --provider local > local-schema.json',
  ];

  static override flags = {
    output: Flags.string({ char: 'o', description: 'Write the schema to this file instead of stdout.' }),
    provider: Flags.string({
      description: "Only this provider's keys, validated strictly (default: every installed provider).",
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Schema);
    const [{ buildConfigurationSchema }, { createInstalledProviderRegistry }] = await Promise.all([
      import('@skyrun/core/schema/index'),
      import('../providers.js'),
    ]);
    const registry = createInstalledProviderRegistry();
    const providers = await registry.all();
    const active = flags.provider ? await registry.get(flags.provider) : undefined;
    const text = `${JSON.stringify(buildConfigurationSchema(providers, active), null, 2)}\n`;
    if (!flags.output) {
      process.stdout.write(text);
      return;
    }
    await mkdir(path.dirname(path.resolve(flags.output)), { recursive: true });
    await writeFile(flags.output, text);
    this.logToStderr(
      `Wrote the schema to ${flags.output}. First line of serverless.yml: # yaml-language-server: $schema=${flags.output}`,
    );
  }
}
