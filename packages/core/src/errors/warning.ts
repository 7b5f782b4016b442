import type { SourceLocation } from './skyrun-error.js';

/** A problem that does not stop the command (e.g. validation in `warn` mode). */
export interface SkyrunWarning {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  readonly location?: SourceLocation;
}
