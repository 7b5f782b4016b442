import type { SourceLocation, SkyrunWarning } from '../errors/index.js';
import type { PropertyPath } from '../config/index.js';
import type { ProviderDefinition } from '../provider/contract.js';

export interface ValidateConfigurationOptions {
  /** The resolved configuration; not mutated. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly locate: (path: PropertyPath) => SourceLocation;
  /** The active provider's definition, or undefined when skyrun does not offer `providerName` yet. */
  readonly provider?: ProviderDefinition;
  readonly providerName: string;
  /**
   * Set when the file is written for another provider than the one the command runs on
   * (`--provider local` on an aws service): that provider's own settings and events are then
   * expected, so they are reported once instead of key by key, and the active provider skips them.
   */
  readonly declaredProviderName?: string;
  /** Values from `${env:}`, `${param:}` or secret sources: never shown in messages. */
  readonly concealedPaths?: readonly PropertyPath[];
  /** Every installed provider (for did-you-mean on provider names and provider-only event hints). */
  readonly providers: readonly ProviderDefinition[];
}

export interface ValidationResult {
  /** The configuration after v3's coercion (`coerceTypes: 'array'`): what `print` shows. */
  readonly config: Record<string, unknown>;
  readonly warnings: readonly SkyrunWarning[];
}
