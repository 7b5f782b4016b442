import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { HookEngine, LifecycleEvent } from '../lifecycle/index.js';
import type { DeployResult, Plan, ProviderRuntime } from '../provider/contract.js';
import { loadProviderRuntime, providerContext, findFunction } from './command-context.js';
import {
  PACKAGE_EVENTS,
  packageDirectory,
  readPackagedArtifacts,
  registerPackageHooks,
  type PackagingContext,
} from './package.js';

export interface DeployContext extends PackagingContext {
  /** Deploy what `--package DIR` holds instead of packaging. */
  usePackaged?: boolean;
  runtime?: ProviderRuntime;
  plan?: Plan;
  result?: DeployResult;
}

export interface DeployOutcome extends DeployResult {
  readonly durationMs: number;
}

const DEPLOY_EVENTS: readonly LifecycleEvent[] = ['deploy:deploy', 'deploy:finalize'];

function registerDeployHooks(hooks: HookEngine<DeployContext>): void {
  hooks.on('package:initialize', async (ctx) => {
    ctx.runtime = await loadProviderRuntime(ctx);
  });
  hooks.on('deploy:deploy', async (ctx) => {
    const pctx = providerContext(ctx);
    ctx.plan = await ctx.runtime!.plan(pctx, ctx.artifacts!);
    ctx.result = await ctx.runtime!.apply(pctx, ctx.plan, ctx.artifacts!);
  });
  hooks.on('deploy:finalize', async (ctx) => {
    await recordDeployment(ctx);
  });
}

/** Add what was deployed to `.serverless/manifest.json`, so `info` and `logs` can read it offline. */
async function recordDeployment(ctx: DeployContext): Promise<void> {
  if (!ctx.manifest || !ctx.result) return;
  const dir = packageDirectory(ctx);
  await mkdir(dir, { recursive: true });
  const manifest = { ...ctx.manifest, deployment: { at: new Date().toISOString(), ...ctx.result } };
  await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** `skyrun deploy`: package (or reuse --package), plan, apply, record. */
export async function deployService(ctx: DeployContext, hooks: HookEngine<DeployContext>): Promise<DeployOutcome> {
  const started = performance.now();
  registerDeployHooks(hooks);
  if (ctx.usePackaged) {
    hooks.on('package:createDeploymentArtifacts', (c) => readPackagedArtifacts(c));
  } else {
    registerPackageHooks(hooks);
  }
  await hooks.run([...PACKAGE_EVENTS, ...DEPLOY_EVENTS], ctx);
  return { ...ctx.result!, durationMs: Math.round(performance.now() - started) };
}

export interface DeployFunctionContext extends DeployContext {
  functionKey?: string;
}

/** `skyrun deploy function -f NAME`: package the service and replace one function. */
export async function deployOneFunction(
  ctx: DeployFunctionContext,
  hooks: HookEngine<DeployFunctionContext>,
): Promise<DeployOutcome> {
  const started = performance.now();
  const fn = findFunction(ctx, ctx.functionKey);
  hooks.on('deploy:function:initialize', async (c) => {
    c.runtime = await loadProviderRuntime(c);
  });
  registerPackageHooks(hooks);
  hooks.on('deploy:function:deploy', async (c) => {
    const artifact = c.artifacts!.find((a) => a.functions.includes(fn.key))!;
    c.result = await c.runtime!.deployFunction(providerContext(c), fn, artifact);
  });
  await hooks.run(
    [
      'deploy:function:initialize',
      'package:createDeploymentArtifacts',
      'deploy:function:packageFunction',
      'deploy:function:deploy',
    ],
    ctx,
  );
  return { ...ctx.result!, durationMs: Math.round(performance.now() - started) };
}
