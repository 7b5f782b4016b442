import type * as Esbuild from 'esbuild';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { SkyrunError } from '../errors/index.js';
import type { InvokeResult } from '../provider/contract.js';
import { findFunction, type CommandContext } from './command-context.js';
import { readInvokePayload, type InvokeOptions } from './verbs.js';
import { importCoreDependency } from '../core-package.js';

/** What runs a handler on this machine (the local provider's `invokeInProcess`). */
export type LocalHandlerRunner = (options: {
  codeDir: string;
  handler: string;
  event: unknown;
  env: Record<string, string>;
  timeoutMs: number;
  functionName: string;
  runtime: string;
  memorySize: number;
  region?: string;
}) => Promise<{
  requestId: string;
  payload: unknown;
  functionError?: string;
  logTail?: string;
}>;

export interface InvokeLocallyOptions extends Pick<InvokeOptions, 'functionKey' | 'data' | 'path'> {
  /** `-e KEY=VALUE` */
  readonly env?: readonly string[];
  readonly runner: LocalHandlerRunner;
}

function parseEnvFlags(pairs: readonly string[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new SkyrunError({
        code: 'INVOKE_LOCAL_BAD_ENV',
        message: `--env "${pair}" is not KEY=VALUE.`,
        hint: 'Write it as -e NAME=value.',
        exit: 'usage',
      });
    }
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/**
 * A TypeScript handler cannot be imported by Node 20 as is: bundle it with esbuild into
 * `.serverless/invoke-local/<function>/` (same relative path, `.js`) and run that.
 */
async function prepareCodeDir(serviceDir: string, handler: string, key: string): Promise<string> {
  const file = handler.slice(0, handler.lastIndexOf('.'));
  const tsFile = ['.ts', '.mts', '.cts'].map((ext) => path.join(serviceDir, file + ext)).find(existsSync);
  const jsExists = ['.js', '.mjs', '.cjs', '.py'].some((ext) => existsSync(path.join(serviceDir, file + ext)));
  if (!tsFile || jsExists) return serviceDir;
  const outDir = path.join(serviceDir, '.serverless', 'invoke-local', key);
  await mkdir(outDir, { recursive: true });
  const esbuild = await importCoreDependency<typeof Esbuild>('esbuild');
  await esbuild
    .build({
      entryPoints: [tsFile],
      outfile: path.join(outDir, `${file}.mjs`),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'inline',
      logLevel: 'silent',
      banner: {
        js: "import { createRequire as __skyrunCreateRequire } from 'node:module'; const require = __skyrunCreateRequire(import.meta.url);",
      },
    })
    .catch((cause: Error) => {
      throw new SkyrunError({
        code: 'INVOKE_LOCAL_BUILD_FAILED',
        message: `Cannot compile ${path.relative(serviceDir, tsFile)}: ${cause.message.split('\n').slice(0, 3).join(' ')}`,
        hint: 'Fix the TypeScript error and run again.',
        cause,
        exit: 'packaging',
      });
    });
  return outDir;
}

/** `skyrun invoke local`: run one handler on this machine, from the service directory, no deploy. */
export async function invokeLocally(ctx: CommandContext, options: InvokeLocallyOptions): Promise<InvokeResult> {
  const fn = findFunction(ctx, options.functionKey);
  const { service } = ctx.loaded;
  if (!fn.handler) {
    throw new SkyrunError({
      code: 'INVOKE_LOCAL_NO_HANDLER',
      message: `Function "${fn.key}" has no handler (image functions cannot run with invoke local).`,
      exit: 'usage',
    });
  }
  const event = await readInvokePayload(process.cwd(), options);
  const codeDir = await prepareCodeDir(service.serviceDir, fn.handler, fn.key);
  const result = await options.runner({
    codeDir,
    handler: fn.handler,
    event,
    env: { ...fn.environment, ...parseEnvFlags(options.env) },
    timeoutMs: fn.timeout * 1000,
    functionName: fn.name,
    runtime: fn.runtime,
    memorySize: fn.memorySize,
    region: service.region,
  });
  return {
    requestId: result.requestId,
    statusCode: 200,
    payload: result.payload,
    functionError: result.functionError,
    logs: result.logTail || undefined,
  };
}
