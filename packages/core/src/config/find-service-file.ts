import { existsSync } from 'node:fs';
import path from 'node:path';
import { SkyrunError } from '../errors/index.js';

/** The file names skyrun looks for, in order, as the Serverless Framework v3 does. */
export const SERVICE_FILE_NAMES = [
  'serverless.yml',
  'serverless.yaml',
  'serverless.json',
  'serverless.js',
  'serverless.mjs',
  'serverless.ts',
] as const;

/** Find the service file: `--config` if given (relative to `cwd`), else the first known name in `cwd`. */
export function findServiceFile(cwd: string, config?: string): string {
  if (config) {
    const file = path.resolve(cwd, config);
    if (!existsSync(file)) {
      throw new SkyrunError({
        code: 'CONFIG_NOT_FOUND',
        message: `The service file given with --config does not exist: ${config}`,
        hint: 'Check the path; it is relative to the current directory.',
        exit: 'config',
      });
    }
    return file;
  }
  for (const name of SERVICE_FILE_NAMES) {
    const file = path.join(cwd, name);
    if (existsSync(file)) return file;
  }
  throw new SkyrunError({
    code: 'CONFIG_NOT_FOUND',
    message: `No service file in ${cwd}.`,
    hint: `Create serverless.yml (try \`skyrun create --template local-nodejs\`), run skyrun from the service's directory, or pass --config FILE. Looked for: ${SERVICE_FILE_NAMES.join(', ')}.`,
    exit: 'config',
  });
}
