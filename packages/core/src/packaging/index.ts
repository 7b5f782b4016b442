export type {
  ArtifactMode,
  ExtraFile,
  ManifestArtifact,
  ManifestFunction,
  PackageManifest,
  PackageOptions,
  PackageResult,
  PackageSummaryRow,
  PackageWrapper,
} from './types.js';
export { packageService } from './package-service.js';
export { readPackageManifest, MANIFEST_FILE } from './manifest.js';
