/** A step of work shown to the user (a live line on a TTY, timestamped lines otherwise). */
export interface ProgressStep {
  /** Mark the step done, optionally with a short result (`3 functions, 1.2 MB`). */
  done(summary?: string): void;
  /** Mark the step failed. */
  fail(message?: string): void;
}

/**
 * Where core and providers report progress. Never pass secrets in titles or messages.
 */
export interface ProgressReporter {
  step(title: string): ProgressStep;
  info(message: string): void;
  warn(message: string): void;
  /** Only shown with --verbose. */
  debug(message: string): void;
}

/** A reporter that drops everything (tests, `--json`). */
export const silentProgress: ProgressReporter = {
  step: () => ({ done() {}, fail() {} }),
  info() {},
  warn() {},
  debug() {},
};
