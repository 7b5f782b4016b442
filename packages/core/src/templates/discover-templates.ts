import { promises as fsp, type Dirent } from 'node:fs';
import path from 'node:path';
import { distance } from 'fastest-levenshtein';
import { SkyrunError } from '../errors/index.js';

/** The file describing a template: `templates/<name>/template.json`. */
export const TEMPLATE_METADATA_FILE = 'template.json';

/** What `templates/<name>/template.json` declares. */
export interface TemplateInfo {
  /** The folder name, used with `skyrun create --template NAME`. */
  readonly name: string;
  /** The provider the template deploys to (`local`, `aws`, ...). */
  readonly provider: string;
  /** The runtime of its functions (`nodejs20.x`, `python3.11`, ...). */
  readonly runtime: string;
  /** One line for `skyrun create --list`. */
  readonly description: string;
  /** Absolute directory holding the template's files. */
  readonly directory: string;
}

const REQUIRED_FIELDS = ['provider', 'runtime', 'description'] as const;

/**
 * Every template under `templatesDir`: each folder holding a `template.json`, sorted by name.
 * A provider adds templates by adding folders; nothing else has to change.
 */
export async function listTemplates(templatesDir: string): Promise<TemplateInfo[]> {
  let entries: Dirent[];
  try {
    entries = await fsp.readdir(templatesDir, { withFileTypes: true });
  } catch (cause) {
    throw new SkyrunError({
      code: 'TEMPLATES_NOT_FOUND',
      message: `The templates directory ${templatesDir} cannot be read.`,
      hint: 'Set SKYRUN_TEMPLATES_DIR to a directory of templates, or reinstall skyrun.',
      cause,
      exit: 'internal',
    });
  }
  const templates: TemplateInfo[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const directory = path.join(templatesDir, entry.name);
    const metadata = await readMetadata(directory);
    if (metadata) templates.push(metadata);
  }
  return templates.sort((a, b) => a.name.localeCompare(b.name));
}

/** The template named `name`, or a usage error with a did-you-mean and the list of templates. */
export async function findTemplate(templatesDir: string, name: string): Promise<TemplateInfo> {
  const templates = await listTemplates(templatesDir);
  const found = templates.find((t) => t.name === name);
  if (found) return found;
  const names = templates.map((t) => t.name);
  const ranked = names
    .map((candidate) => ({ candidate, d: distance(candidate, name.toLowerCase()) }))
    .filter(
      ({ candidate, d }) =>
        d <= Math.max(2, Math.floor(candidate.length / 3)) || candidate.includes(name.toLowerCase()),
    )
    .sort((a, b) => a.d - b.d);
  const suggestion = ranked[0]?.candidate;
  throw new SkyrunError({
    code: 'TEMPLATE_UNKNOWN',
    message: `There is no template named "${name}".`,
    hint: `${suggestion ? `Did you mean "${suggestion}"? ` : ''}Available templates: ${names.join(', ')} (see skyrun create --list).`,
    exit: 'usage',
  });
}

async function readMetadata(directory: string): Promise<TemplateInfo | undefined> {
  const file = path.join(directory, TEMPLATE_METADATA_FILE);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw invalidMetadata(file, 'it is not valid JSON', cause);
  }
  const name = data.name ?? path.basename(directory);
  if (name !== path.basename(directory))
    throw invalidMetadata(file, `"name" is "${String(name)}" but the folder is "${path.basename(directory)}"`);
  for (const field of REQUIRED_FIELDS) {
    if (typeof data[field] !== 'string' || !(data[field] as string).trim())
      throw invalidMetadata(file, `"${field}" must be a non-empty string`);
  }
  return {
    name: name as string,
    provider: data.provider as string,
    runtime: data.runtime as string,
    description: data.description as string,
    directory,
  };
}

function invalidMetadata(file: string, why: string, cause?: unknown): SkyrunError {
  return new SkyrunError({
    code: 'TEMPLATE_METADATA_INVALID',
    message: `${file} is invalid: ${why}.`,
    hint: 'A template.json holds {"name", "provider", "runtime", "description"}, all strings.',
    cause,
    exit: 'internal',
  });
}
