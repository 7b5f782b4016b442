import type { Artifact } from '../provider/contract.js';
import type { ProgressReporter } from '../output/progress.js';
import type { FunctionSpec, Service } from '../service/model.js';

/** A file a provider adds to a function's artifact (e.g. an entry wrapper). */
export interface ExtraFile {
  /** Path inside the zip, `/`-separated, relative (e.g. `__skyrun/entry.js`). */
  readonly path: string;
  readonly content: string | Uint8Array;
  /** Defaults to 0o644. */
  readonly executable?: boolean;
}

/**
 * A provider's packaging hook: extra files added to the artifact of each function it
 * serves, and optionally the handler the provider invokes instead of the user's one.
 * Wrapper output is part of the artifact's input hash.
 */
export interface PackageWrapper {
  /** Stable identifier (provider name + wrapper version); part of the input hash. */
  readonly id: string;
  /** Files to add for `fn` (called once per function, for every artifact holding it). */
  files(fn: FunctionSpec, service: Service): readonly ExtraFile[] | Promise<readonly ExtraFile[]>;
  /** The handler string recorded in the manifest for `fn` (defaults to `fn.handler`). */
  handler?(fn: FunctionSpec, service: Service): string;
}

export interface PackageOptions {
  /** The normalised service. */
  readonly service: Service;
  /** Where artifacts and `manifest.json` go; default `<serviceDir>/.serverless`. */
  readonly outDir?: string;
  readonly progress: ProgressReporter;
  /** Provider entry wrappers applied to every function artifact. */
  readonly wrappers?: readonly PackageWrapper[];
  /** Ignore cached artifacts and rebuild everything. */
  readonly force?: boolean;
  /** Environment used for `SKYRUN_PIP_ARGS` and to run pip; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** How an artifact was produced. */
export type ArtifactMode = Artifact['mode'];

export interface ManifestArtifact {
  /** Path of the zip relative to the manifest's directory (`/`-separated). */
  readonly path: string;
  /** Keys of the functions the artifact serves. */
  readonly functions: readonly string[];
  readonly size: number;
  readonly sha256: string;
  /** Number of file entries in the zip. */
  readonly files: number;
  readonly mode: ArtifactMode;
  /** Hash of everything the artifact was built from; equal hash → the cached zip is reused. */
  readonly inputHash: string;
}

export interface ManifestFunction {
  /** Path of the function's artifact, as in `artifacts[].path`. */
  readonly artifact: string;
  /** The handler to invoke (a wrapper may replace the user's one). */
  readonly handler?: string;
  readonly runtime: string;
}

/** `<outDir>/manifest.json`: what was packaged. Providers and `info` read it. */
export interface PackageManifest {
  readonly version: 1;
  readonly service: string;
  readonly stage: string;
  readonly provider: string;
  /** ISO timestamp. Not part of any artifact. */
  readonly createdAt: string;
  readonly artifacts: readonly ManifestArtifact[];
  readonly functions: Readonly<Record<string, ManifestFunction>>;
  /** The resolved service model. */
  readonly model: Service;
}

/** One row of the summary table the CLI renders after packaging. */
export interface PackageSummaryRow {
  readonly artifact: string;
  readonly functions: readonly string[];
  readonly size: number;
  readonly files: number;
  readonly mode: ArtifactMode;
  /** True when the zip was reused from a previous run. */
  readonly cached: boolean;
}

export interface PackageResult {
  readonly manifest: PackageManifest;
  /** Absolute paths. */
  readonly artifacts: Artifact[];
  /** Data for the CLI's summary table, in manifest order. */
  readonly summary: readonly PackageSummaryRow[];
  /** Absolute path of the manifest written. */
  readonly manifestPath: string;
}
