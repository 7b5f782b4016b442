import { isSkyrunError, EXIT_CODES } from '@skyrun/core/errors/index';
import { colourEnabled } from './progress-reporter.js';

interface OclifLikeError extends Error {
  oclif?: { exit?: number };
}

/**
 * Print an error the way users should see it: message and hint, no stack unless --debug.
 * Returns the exit code. With --json the error goes to stdout as `{"error": {...}}`.
 */
export function printError(error: unknown, options: { debug: boolean; json: boolean }): number {
  const err = error as OclifLikeError;
  if (isSkyrunError(error)) {
    const err = error;
    if (options.json) process.stdout.write(`${JSON.stringify({ error: err.toJSON() }, null, 2)}\n`);
    const colour = colourEnabled(process.stderr);
    const red = (s: string) => (colour ? `\u001b[31m${s}\u001b[39m` : s);
    const location = err.location;
    const prefix =
      location && !err.message.startsWith(`${location.file}:`)
        ? `${location.file}:${location.line}:${location.column}: `
        : '';
    process.stderr.write(`${red('Error:')} ${prefix}${err.message}\n`);
    if (err.hint) process.stderr.write(`Hint: ${err.hint}\n`);
    if (options.debug && err.stack) process.stderr.write(`${err.stack}\n`);
    if (options.debug && err.cause)
      process.stderr.write(`Caused by: ${(err.cause as Error).stack ?? String(err.cause)}\n`);
    return err.exitCode;
  }
  const oclifExit = err?.oclif?.exit;
  if (typeof oclifExit === 'number') {
    // Parse errors (unknown flag, missing argument): oclif's message is already user-facing.
    if (oclifExit !== 0) {
      if (options.json)
        process.stdout.write(`${JSON.stringify({ error: { code: 'USAGE', message: err.message } }, null, 2)}\n`);
      process.stderr.write(`Error: ${err.message}\nHint: see --help for the command's flags.\n`);
      return oclifExit === 1 ? EXIT_CODES.usage : oclifExit;
    }
    return 0;
  }
  if (options.json)
    process.stdout.write(`${JSON.stringify({ error: { code: 'INTERNAL', message: err?.message } }, null, 2)}\n`);
  process.stderr.write(`Error: unexpected failure: ${err?.message ?? String(error)}\n`);
  process.stderr.write(
    options.debug
      ? `${err?.stack ?? ''}\n`
      : 'Hint: run again with --debug for details, and report it if it persists.\n',
  );
  return EXIT_CODES.internal;
}
