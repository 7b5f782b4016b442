import { SkyrunError } from '../errors/index.js';
import type { SourceLocation } from '../errors/index.js';
import { formatPropertyPath, type PropertyPath } from '../config/index.js';

/** `custom.a`, or `(the whole configuration)` for the root. */
export function showPath(propertyPath: PropertyPath): string {
  return propertyPath.length ? formatPropertyPath(propertyPath) : '(the whole configuration)';
}

export interface VariableErrorOptions {
  readonly code: string;
  /** The property whose value holds the variable. */
  readonly at: PropertyPath;
  /** What went wrong, after `Cannot resolve variable at "<path>": `. */
  readonly detail: string;
  readonly hint: string;
  readonly location: SourceLocation;
  readonly cause?: unknown;
}

/** An error about a variable, worded as the Serverless Framework v3 words it. */
export function variableError(options: VariableErrorOptions): SkyrunError {
  return new SkyrunError({
    code: options.code,
    message: `Cannot resolve variable at "${showPath(options.at)}": ${options.detail}`,
    hint: options.hint,
    location: options.location,
    cause: options.cause,
    exit: 'config',
  });
}
