import path from 'node:path';
import { LIFECYCLE_EVENTS, type HookEngine, type LifecycleEvent } from '../lifecycle/index.js';
import { packageService, readPackageManifest, type PackageManifest } from '../packaging/index.js';
import type { Artifact } from '../provider/contract.js';
import { SkyrunError } from '../errors/index.js';
import type { CommandContext } from './command-context.js';

export interface PackagingContext extends CommandContext {
  /** `--package DIR`: where artifacts are written (package) or read from (deploy). */
  packageDir?: string;
  manifest?: PackageManifest;
  artifacts?: readonly Artifact[];
}

/** The `package:*` lifecycle events, in order. */
export const PACKAGE_EVENTS: readonly LifecycleEvent[] = LIFECYCLE_EVENTS.filter((event) =>
  event.startsWith('package:'),
);

export function packageDirectory(ctx: PackagingContext): string {
  const { serviceDir } = ctx.loaded.service;
  return ctx.packageDir ? path.resolve(serviceDir, ctx.packageDir) : path.join(serviceDir, '.serverless');
}

/** The core's packaging step as a hook on `package:createDeploymentArtifacts`. */
export function registerPackageHooks<C extends PackagingContext>(hooks: HookEngine<C>): void {
  hooks.on('package:createDeploymentArtifacts', async (ctx) => {
    const result = await packageService({
      service: ctx.loaded.service,
      outDir: packageDirectory(ctx),
      progress: ctx.progress,
    });
    ctx.manifest = result.manifest;
    ctx.artifacts = result.artifacts;
  });
}

/** `deploy --package DIR`: reuse what `skyrun package` wrote instead of packaging again. */
export async function readPackagedArtifacts(ctx: PackagingContext): Promise<void> {
  const dir = packageDirectory(ctx);
  const manifest = await readPackageManifest(dir);
  if (!manifest) {
    throw new SkyrunError({
      code: 'PACKAGE_NOT_FOUND',
      message: `No packaged service in ${dir} (manifest.json is missing).`,
      hint: `Run \`skyrun package --package ${ctx.packageDir ?? '.serverless'}\` first, or deploy without --package.`,
      exit: 'packaging',
    });
  }
  ctx.manifest = manifest;
  ctx.artifacts = manifest.artifacts.map((a) => ({
    path: path.resolve(dir, a.path),
    functions: a.functions,
    size: a.size,
    sha256: a.sha256,
    files: a.files,
    mode: a.mode,
  }));
}

export async function runPackage(ctx: PackagingContext, hooks: HookEngine<PackagingContext>): Promise<PackageManifest> {
  registerPackageHooks(hooks);
  await hooks.run(PACKAGE_EVENTS, ctx);
  return ctx.manifest!;
}
