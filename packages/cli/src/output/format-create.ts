import type { CreateServiceResult, TemplateInfo } from '@skyrun/core/templates/index';
import { formatTable } from './format-package.js';

export function formatTemplateList(templates: readonly TemplateInfo[]): string {
  const rows = templates.map((t) => [t.name, t.provider, t.runtime, t.description]);
  return formatTable(['TEMPLATE', 'PROVIDER', 'RUNTIME', 'DESCRIPTION'], rows);
}

/** What was created and the first commands to run in it. */
export function formatCreated(result: CreateServiceResult, cwd: string, relative: (from: string, to: string) => string): string {
  const where = relative(cwd, result.directory) || '.';
  const lines = [
    `Created ${result.service ? `service ${result.service}` : 'a service'} from ${result.template} in ${where} (${result.files.length} files).`,
    '',
    'Next:',
  ];
  if (where !== '.') lines.push(`  cd ${where}`);
  lines.push('  skyrun deploy', '  skyrun invoke -f hello', '  skyrun logs -f hello');
  return lines.join('\n');
}
