import type { SourceLocation } from '../errors/index.js';
import type { SkyrunWarning } from '../errors/index.js';
import type { LoadedDocument, PropertyPath } from '../config/index.js';
import type { VariableSource } from '../provider/contract.js';

export interface ResolveConfigurationOptions {
  /** The loaded service file. */
  readonly document: LoadedDocument;
  /** Absolute directory of the service file (base of `${file(...)}` paths). */
  readonly serviceDir: string;
  /**
   * CLI options, the `${opt:}` source: `stage`, `region`, `provider`, `param` (string[] of `k=v`)
   * and every other flag the command received.
   */
  readonly options: Readonly<Record<string, unknown>>;
  /** The `${env:}` source (process.env, plus `.env` files when `useDotenv: true`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * The variable sources the named provider adds (aws `ssm:`, ...). `undefined` when skyrun does
   * not offer that provider; its sources then fail with a hint.
   */
  providerSources(providerName: string): Promise<Readonly<Record<string, VariableSource>> | undefined>;
}

export interface ResolvedConfiguration {
  /** The configuration with every variable resolved and `stages.*` overrides applied. */
  readonly config: Record<string, unknown>;
  /** `--stage` > `provider.stage` > `dev`. */
  readonly stage: string;
  /** `--provider` > `stages.<stage>.provider.name` > `provider.name` (lower-cased). */
  readonly providerName: string;
  /**
   * The provider the file's top-level `provider.name` names (before stage overrides and
   * `--provider`), lower-cased. Differs from `providerName` when a stage or the command
   * runs the service on another provider.
   */
  readonly declaredProviderName: string;
  /** Property paths whose value came (wholly or partly) from `${env:}`, `${param:}` or a secret source. */
  readonly concealedPaths: readonly PropertyPath[];
  readonly warnings: readonly SkyrunWarning[];
  /** Source position of a resolved property (for a value produced by a variable: where the variable is written). */
  locate(path: PropertyPath): SourceLocation;
}
