import { existsSync } from 'node:fs';
import path from 'node:path';
import { Flags } from '@oclif/core';
import { StandaloneCommand } from '../base-command.js';
import { formatCreated, formatTemplateList } from '../output/format-create.js';

/** Needs no service file, so it takes none of the service flags. */
export default class Create extends StandaloneCommand {
  static override summary = 'Create a new service from a template.';
  static override description =
    'Copies a built-in template (--template, see --list) or any directory (--template-path). Existing files are never overwritten: when one exists, nothing is written.';
  static override examples = [
    '<%= config.bin %> create --list',
    '<%= config.bin %> create --template local-nodejs --name my-api',
    '<%= config.bin %> create -t local-python --path services/reports',
    '<%= config.bin %> create --template-path ../shared/service-template --name billing',
  ];
  static override enableJsonFlag = true;

  static override flags = {
    template: Flags.string({
      char: 't',
      description: 'Name of a built-in template (see --list).',
      exclusive: ['template-path', 'list'],
    }),
    'template-path': Flags.string({ description: 'A directory to use as the template.', exclusive: ['list'] }),
    path: Flags.string({
      char: 'p',
      description: 'Directory to create the service in (default: ./<name> with --name, else the current directory).',
    }),
    name: Flags.string({ char: 'n', description: "Service name: replaces the template's service name in every file." }),
    list: Flags.boolean({ description: 'List the built-in templates.' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Create);
    const { createService, listTemplates } = await import('@skyrun/core/templates/index');
    const templatesDir = findTemplatesDir(this.config.root);
    if (flags.list) {
      const templates = await listTemplates(templatesDir);
      this.log(formatTemplateList(templates));
      return templates.map(({ name, provider, runtime, description }) => ({ name, provider, runtime, description }));
    }
    const result = await createService({
      templatesDir,
      template: flags.template,
      templatePath: flags['template-path'],
      path: flags.path,
      name: flags.name,
      cwd: process.cwd(),
    });
    this.log(formatCreated(result, process.cwd()));
    return result;
  }
}

/**
 * The built-in templates: $SKYRUN_TEMPLATES_DIR, else `templates/` inside the CLI package (a
 * packed CLI ships them there), else the workspace's `templates/` two levels above it.
 */
export function findTemplatesDir(cliRoot: string): string {
  if (process.env.SKYRUN_TEMPLATES_DIR) return path.resolve(process.env.SKYRUN_TEMPLATES_DIR);
  const bundled = path.join(cliRoot, 'templates');
  return existsSync(bundled) ? bundled : path.resolve(cliRoot, '..', '..', 'templates');
}
