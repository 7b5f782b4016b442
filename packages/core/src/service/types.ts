export interface NormaliseServiceOptions {
  /** The resolved, validated, coerced configuration. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly stage: string;
  /** Canonical provider name. */
  readonly providerName: string;
  readonly serviceDir: string;
  readonly configFile: string;
}
