import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { SkyrunError } from '../errors/index.js';
import { SERVICE_NAME_PATTERN } from '../schema/core-schema.js';
import { findTemplate, TEMPLATE_METADATA_FILE } from './discover-templates.js';

/** What `skyrun create` asks for. Exactly one of `template` and `templatePath`. */
export interface CreateServiceRequest {
  /** Directory holding the built-in templates (one folder each). */
  readonly templatesDir: string;
  /** A built-in template's name. */
  readonly template?: string;
  /** Any directory to use as the template (`--template-path`). */
  readonly templatePath?: string;
  /** Where to create the service; default `./<name>` with `name`, else `cwd` (as v3). */
  readonly path?: string;
  /** The new service's name: replaces the template's service name in every text file. */
  readonly name?: string;
  readonly cwd: string;
}

export interface CreateServiceResult {
  /** The template's name, or its directory for `--template-path`. */
  readonly template: string;
  /** The provider of a built-in template. */
  readonly provider?: string;
  /** The service name in the created files, when the template has one. */
  readonly service?: string;
  /** Absolute directory the files were written to. */
  readonly directory: string;
  /** Files written, relative to `directory`, `/`-separated, sorted. */
  readonly files: readonly string[];
}

/** Folders never copied from a template (left over from running it in place). */
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.serverless', '__pycache__', '.git', '.skyrun']);

interface PlannedFile {
  readonly source: string;
  /** Relative destination, `/`-separated. */
  readonly target: string;
  readonly mode: number;
}

/**
 * Copy a template into a directory. Every destination is checked before anything is written:
 * when a file already exists, nothing is written and the error lists every conflict.
 * Names starting with one `_` and a letter are dotfiles (`_gitignore` → `.gitignore`), so
 * package managers and editors leave them alone inside the template.
 */
export async function createService(request: CreateServiceRequest): Promise<CreateServiceResult> {
  if (Boolean(request.template) === Boolean(request.templatePath)) {
    throw new SkyrunError({
      code: 'CREATE_TEMPLATE_MISSING',
      message: 'Say which template to use: --template NAME or --template-path DIR.',
      hint: 'List the built-in templates with skyrun create --list.',
      exit: 'usage',
    });
  }
  if (request.name !== undefined && !new RegExp(SERVICE_NAME_PATTERN).test(request.name)) {
    throw new SkyrunError({
      code: 'CREATE_NAME_INVALID',
      message: `"${request.name}" is not a valid service name.`,
      hint: 'A service name has letters, digits and -, starts with a letter and is at least 2 characters long.',
      exit: 'usage',
    });
  }
  const builtIn = request.template ? await findTemplate(request.templatesDir, request.template) : undefined;
  const templateDir = builtIn?.directory ?? (await templateDirectory(path.resolve(request.cwd, request.templatePath!)));
  const directory = path.resolve(request.cwd, request.path ?? (request.name ? request.name : '.'));

  const plan = await planFiles(templateDir);
  const oldName = await detectServiceName(templateDir);
  if (request.name && !oldName) {
    throw new SkyrunError({
      code: 'CREATE_NAME_UNKNOWN',
      message: `--name cannot be applied: the template in ${templateDir} has no service name in serverless.yml or package.json.`,
      hint: 'Leave out --name, or give the template a `service:` in serverless.yml.',
      exit: 'usage',
    });
  }
  await assertNoConflicts(directory, plan);

  const rename = request.name && oldName && request.name !== oldName ? { from: oldName, to: request.name } : undefined;
  for (const file of plan) {
    const destination = path.join(directory, ...file.target.split('/'));
    await fsp.mkdir(path.dirname(destination), { recursive: true });
    const content = await fsp.readFile(file.source);
    const output =
      rename && isText(content)
        ? Buffer.from(renameService(content.toString('utf8'), rename.from, rename.to))
        : content;
    await fsp.writeFile(destination, output, { flag: 'wx', mode: file.mode });
  }

  return {
    template: builtIn?.name ?? templateDir,
    provider: builtIn?.provider,
    service: request.name ?? oldName,
    directory,
    files: plan.map((f) => f.target),
  };
}

/** Replace `from` as a whole name (`-suffixes` allowed: `old-dev-hello` → `new-dev-hello`). */
export function renameService(text: string, from: string, to: string): string {
  const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`(?<![A-Za-z0-9_-])${escaped}(?![A-Za-z0-9_])`, 'g'), to);
}

/** `_gitignore` → `.gitignore`; `__init__.py` and `_1` stay as they are. */
export function targetName(name: string): string {
  return /^_[A-Za-z]/.test(name) ? `.${name.slice(1)}` : name;
}

async function templateDirectory(dir: string): Promise<string> {
  const stat = await fsp.stat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) {
    throw new SkyrunError({
      code: 'CREATE_TEMPLATE_PATH_INVALID',
      message: `--template-path ${dir} is not a directory.`,
      hint: 'Point --template-path at a folder holding a serverless.yml and its code.',
      exit: 'usage',
    });
  }
  return dir;
}

async function planFiles(templateDir: string): Promise<PlannedFile[]> {
  const files: PlannedFile[] = [];
  const visit = async (dir: string, rel: string): Promise<void> => {
    const entries = await fsp.readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const source = path.join(dir, entry.name);
      const target = rel ? `${rel}/${targetName(entry.name)}` : targetName(entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) await visit(source, target);
      } else if (entry.isFile()) {
        if (!rel && entry.name === TEMPLATE_METADATA_FILE) continue;
        files.push({ source, target, mode: (await fsp.stat(source)).mode & 0o777 });
      }
    }
  };
  await visit(templateDir, '');
  if (!files.length) {
    throw new SkyrunError({
      code: 'CREATE_TEMPLATE_EMPTY',
      message: `The template in ${templateDir} has no files.`,
      exit: 'usage',
    });
  }
  return files.sort((a, b) => a.target.localeCompare(b.target));
}

async function assertNoConflicts(directory: string, plan: readonly PlannedFile[]): Promise<void> {
  const conflicts: string[] = [];
  for (const file of plan) {
    const segments = file.target.split('/');
    for (let i = 1; i <= segments.length; i++) {
      const stat = await fsp.lstat(path.join(directory, ...segments.slice(0, i))).catch(() => undefined);
      if (!stat) break;
      const isLast = i === segments.length;
      if (isLast || !stat.isDirectory()) {
        conflicts.push(segments.slice(0, i).join('/'));
        break;
      }
    }
  }
  const unique = [...new Set(conflicts)];
  if (unique.length) {
    throw new SkyrunError({
      code: 'CREATE_FILES_EXIST',
      message: `${unique.length} file(s) already exist in ${directory}: ${unique.join(', ')}. Nothing was written.`,
      hint: 'skyrun create never overwrites files: choose an empty directory with --path (or --name), or move those files away.',
      exit: 'usage',
    });
  }
}

/** The `service:` of the template's serverless.yml/yaml/json, else its package.json name. */
async function detectServiceName(templateDir: string): Promise<string | undefined> {
  for (const file of ['serverless.yml', 'serverless.yaml']) {
    const text = await fsp.readFile(path.join(templateDir, file), 'utf8').catch(() => undefined);
    const match = text?.match(
      /^service:[ \t]*(?:\n[ \t]+name:[ \t]*)?['"]?([A-Za-z][0-9A-Za-z-]+)['"]?[ \t]*(?:#.*)?$/m,
    );
    if (match) return match[1];
  }
  for (const file of ['serverless.json', 'package.json']) {
    const text = await fsp.readFile(path.join(templateDir, file), 'utf8').catch(() => undefined);
    if (!text) continue;
    try {
      const data = JSON.parse(text) as { service?: unknown; name?: unknown };
      const name =
        file === 'package.json'
          ? data.name
          : typeof data.service === 'object'
            ? (data.service as { name?: unknown })?.name
            : data.service;
      if (typeof name === 'string' && new RegExp(SERVICE_NAME_PATTERN).test(name)) return name;
    } catch {
      // Not JSON: no name from this file.
    }
  }
  return undefined;
}

function isText(content: Buffer): boolean {
  return !content.subarray(0, 8000).includes(0);
}
