import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { packagingError } from './errors.js';

const run = promisify(execFile);

/**
 * Extra pip arguments, from `custom.pythonRequirements.pipArgs` (string or list, the
 * serverless-python-requirements option name) followed by `SKYRUN_PIP_ARGS` (split on
 * whitespace). This is how `--no-index --find-links DIR` reaches pip.
 */
export function pipArgs(
  custom: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const settings = custom.pythonRequirements as { pipArgs?: unknown } | undefined;
  const fromConfig = settings?.pipArgs;
  const configured = Array.isArray(fromConfig)
    ? fromConfig.map(String)
    : typeof fromConfig === 'string'
      ? fromConfig.split(/\s+/).filter(Boolean)
      : [];
  const fromEnv = (env.SKYRUN_PIP_ARGS ?? '').split(/\s+/).filter(Boolean);
  return [...configured, ...fromEnv];
}

export interface Requirements {
  /** Absolute path of requirements.txt. */
  readonly file: string;
  /** Cache key: requirements content, pip arguments and runtime. */
  readonly key: string;
}

export async function findRequirements(
  serviceDir: string,
  runtime: string,
  args: readonly string[],
): Promise<Requirements | undefined> {
  const file = path.join(serviceDir, 'requirements.txt');
  let content: Buffer;
  try {
    content = await fsp.readFile(file);
  } catch {
    return undefined;
  }
  if (content.toString('utf8').replace(/#.*$/gm, '').trim() === '') return undefined;
  const key = createHash('sha256')
    .update(content)
    .update('\0')
    .update(args.join('\0'))
    .update('\0')
    .update(runtime)
    .digest('hex')
    .slice(0, 32);
  return { file, key };
}

function pythonCommand(env: Readonly<Record<string, string | undefined>>): string {
  return env.SKYRUN_PYTHON ?? 'python3';
}

export function requirementsDir(requirements: Requirements, cacheDir: string): string {
  return path.join(cacheDir, 'pip', requirements.key);
}

export async function isRequirementsCached(requirements: Requirements, cacheDir: string): Promise<boolean> {
  try {
    await fsp.access(path.join(requirementsDir(requirements, cacheDir), '.skyrun-complete'));
    return true;
  } catch {
    return false;
  }
}

/**
 * Installs requirements into `<cacheDir>/pip/<key>` once (`pip install -r ... -t ...`),
 * and returns that directory. A failed install leaves no cache entry behind.
 */
export async function installRequirements(
  requirements: Requirements,
  cacheDir: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  const target = requirementsDir(requirements, cacheDir);
  if (await isRequirementsCached(requirements, cacheDir)) return target;
  const python = pythonCommand(env);
  const childEnv = { ...env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PYTHONDONTWRITEBYTECODE: '1' } as NodeJS.ProcessEnv;
  try {
    await run(python, ['-m', 'pip', '--version'], { env: childEnv });
  } catch (error) {
    throw packagingError({
      code: 'PACKAGE_PIP_MISSING',
      message: `requirements.txt needs pip, but "${python} -m pip" is not available.`,
      hint: 'Install Python 3 with pip (e.g. apt-get install python3-pip), or set SKYRUN_PYTHON to a Python executable that has pip.',
      cause: error,
    });
  }
  const staging = `${target}.${process.pid}.tmp`;
  await fsp.rm(staging, { recursive: true, force: true });
  await fsp.mkdir(staging, { recursive: true });
  try {
    await run(
      python,
      [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--no-input',
        '--no-compile',
        '--disable-pip-version-check',
        '-r',
        requirements.file,
        '-t',
        staging,
        ...args,
      ],
      { env: childEnv, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    await fsp.rm(staging, { recursive: true, force: true });
    const stderr = String((error as { stderr?: unknown }).stderr ?? '')
      .trim()
      .split('\n')
      .slice(-3)
      .join(' ');
    throw packagingError({
      code: 'PACKAGE_PIP_FAILED',
      message: `pip could not install requirements.txt: ${stderr || (error as Error).message}`,
      hint: 'Check requirements.txt. Without network access, point pip at local wheels: SKYRUN_PIP_ARGS="--no-index --find-links ./wheels" or custom.pythonRequirements.pipArgs.',
      cause: error,
    });
  }
  await fsp.writeFile(path.join(staging, '.skyrun-complete'), '');
  await fsp.rm(target, { recursive: true, force: true });
  await fsp.rename(staging, target);
  return target;
}

/** Files pip writes that differ between machines or are useless in an artifact. */
export function skipPipDir(rel: string, name: string): boolean {
  return name === '__pycache__' || rel === 'bin';
}

export function skipPipFile(rel: string): boolean {
  return (
    rel === '.skyrun-complete' ||
    rel.endsWith('.pyc') ||
    /\.dist-info\/(direct_url\.json|INSTALLER|REQUESTED|RECORD)$/.test(rel)
  );
}
