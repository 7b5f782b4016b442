/** Where in a user's file a problem is. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/**
 * Exit codes skyrun returns. Listed in `skyrun --help`; scripts may rely on them.
 */
export const EXIT_CODES = {
  /** Unexpected internal failure (a bug: please report it with --debug output). */
  internal: 1,
  /** Bad command line: unknown flag, missing argument. */
  usage: 2,
  /** The service file is wrong: it cannot be found, parsed, resolved or validated. */
  config: 3,
  /** Packaging failed: empty selection, bundling error, missing handler export. */
  packaging: 4,
  /** The provider failed: deploy, invoke, remove or logs did not complete. */
  provider: 5,
  /** A function invocation returned an error. */
  invocation: 6,
  /** Interrupted by the user (Ctrl-C). */
  interrupted: 130,
} as const;

export type ExitCodeName = keyof typeof EXIT_CODES;

export interface SkyrunErrorOptions {
  /** Stable machine-readable code, e.g. `CONFIG_VARIABLE_MISSING`. */
  code: string;
  /** What is wrong, in one sentence a user understands. */
  message: string;
  /** How to fix it. */
  hint?: string;
  /** Where in the user's file the problem is. */
  location?: SourceLocation;
  /** The underlying error, shown with --debug. */
  cause?: unknown;
  /** Which exit code the CLI returns; defaults to `internal`. */
  exit?: ExitCodeName;
}

/**
 * Marks a SkyrunError from any copy of this module: the CLI bundles the core into its own file,
 * while providers import the core package, so two SkyrunError classes can meet in one run.
 */
const SKYRUN_ERROR_BRAND = Symbol.for('skyrun.SkyrunError');

/** The one error type users see. The CLI prints `message` and `hint`; the stack only with --debug. */
export class SkyrunError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly location?: SourceLocation;
  readonly exitCode: number;
  readonly [SKYRUN_ERROR_BRAND] = true;

  constructor(options: SkyrunErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SkyrunError';
    this.code = options.code;
    this.hint = options.hint;
    this.location = options.location;
    this.exitCode = EXIT_CODES[options.exit ?? 'internal'];
  }

  /** `serverless.yml:12:7: message` when a location is known, else the message. */
  get located(): string {
    const loc = this.location;
    return loc ? `${loc.file}:${loc.line}:${loc.column}: ${this.message}` : this.message;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      hint: this.hint,
      location: this.location,
      exitCode: this.exitCode,
    };
  }
}

/** Whether `error` is a SkyrunError, whichever copy of the core created it. */
export function isSkyrunError(error: unknown): error is SkyrunError {
  return typeof error === 'object' && error !== null && SKYRUN_ERROR_BRAND in error;
}
