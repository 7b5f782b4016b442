import path from 'node:path';
import type { CreateServiceResult, TemplateInfo } from '@skyrun/core/templates/index';
import { formatTable } from './format-package.js';

export function formatTemplateList(templates: readonly TemplateInfo[]): string {
  const rows = templates.map((t) => [t.name, t.provider, t.runtime, t.description]);
  return formatTable(['TEMPLATE', 'PROVIDER', 'RUNTIME', 'DESCRIPTION'], rows);
}

/** What was created and the first commands to run in it. */
export function formatCreated(result: CreateServiceResult, cwd: string): string {
  const where = path.relative(cwd, result.directory) || '.';
  const what = result.service ? `service ${result.service}` : 'a service';
  const lines = [`Created ${what} from ${result.template} in ${where} (${result.files.length} files).`, '', 'Next:'];
  if (where !== '.') lines.push(`  cd ${where}`);
  lines.push('  skyrun deploy');
  if (result.files.includes('README.md')) lines.push('', 'Its README.md shows how to call, test and remove it.');
  return lines.join('\n');
}
