import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SkyrunError } from '../errors/index.js';
import type { HookEngine } from '../lifecycle/index.js';
import type { InvokeResult, LogLine, ServiceInfo } from '../provider/contract.js';
import { findFunction, loadProviderRuntime, providerContext, type CommandContext } from './command-context.js';

export interface InvokeOptions {
  readonly functionKey?: string;
  /** `-d`: a JSON string (or any string, passed as is when it is not JSON). */
  readonly data?: string;
  /** `-p`: a JSON or YAML file. */
  readonly path?: string;
  readonly type?: 'RequestResponse' | 'Event' | 'DryRun';
  readonly log?: boolean;
}

/** The event payload from `-d` or `-p`, as the Serverless Framework v3 reads it. */
export async function readInvokePayload(cwd: string, options: Pick<InvokeOptions, 'data' | 'path'>): Promise<unknown> {
  if (options.data !== undefined && options.path !== undefined) {
    throw new SkyrunError({
      code: 'INVOKE_PAYLOAD_TWICE',
      message: 'Pass the event either with --data or with --path, not both.',
      exit: 'usage',
    });
  }
  if (options.path !== undefined) {
    const file = path.resolve(cwd, options.path);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new SkyrunError({
        code: 'INVOKE_PAYLOAD_MISSING',
        message: `The event file ${options.path} does not exist.`,
        hint: 'The path is relative to the current directory.',
        exit: 'usage',
      });
    }
    if (/\.ya?ml$/i.test(file)) return (await import('js-yaml')).default.load(text);
    return parseMaybeJson(text);
  }
  if (options.data !== undefined) return parseMaybeJson(options.data);
  return {};
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function invokeFunction(
  ctx: CommandContext,
  hooks: HookEngine<CommandContext>,
  options: InvokeOptions,
): Promise<InvokeResult> {
  const fn = findFunction(ctx, options.functionKey);
  const payload = await readInvokePayload(ctx.loaded.service.serviceDir, options);
  const runtime = await loadProviderRuntime(ctx);
  let result: InvokeResult | undefined;
  hooks.on('invoke:invoke', async (c) => {
    result = await runtime.invoke(providerContext(c), {
      function: fn,
      payload,
      type: options.type ?? 'RequestResponse',
      log: options.log ?? false,
    });
  });
  await hooks.run(['invoke:invoke'], ctx);
  return result!;
}

export async function serviceInfo(ctx: CommandContext, hooks: HookEngine<CommandContext>): Promise<ServiceInfo> {
  const runtime = await loadProviderRuntime(ctx);
  let info: ServiceInfo | undefined;
  hooks.on('info:info', async (c) => {
    info = await runtime.info(providerContext(c));
  });
  await hooks.run(['info:info'], ctx);
  return info!;
}

export async function removeService(
  ctx: CommandContext,
  hooks: HookEngine<CommandContext>,
): Promise<{ readonly removed: readonly string[] }> {
  const runtime = await loadProviderRuntime(ctx);
  let removed: readonly string[] = [];
  hooks.on('remove:remove', async (c) => {
    ({ removed } = await runtime.remove(providerContext(c)));
  });
  await hooks.run(['remove:remove'], ctx);
  return { removed };
}

export interface LogsOptions {
  readonly functionKey?: string;
  readonly startTime?: string;
  readonly filter?: string;
  readonly tail?: boolean;
}

/** `10m`, `2h`, `1d`, `30s` ago, or an ISO date, as v3's `--startTime`. */
export function parseStartTime(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const relative = /^(\d+)\s*(s|m|h|d)$/.exec(value.trim());
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return now - Number(relative[1]) * unit;
  }
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) {
    throw new SkyrunError({
      code: 'LOGS_BAD_START_TIME',
      message: `--startTime "${value}" is neither a duration nor a date.`,
      hint: 'Use a duration such as 30s, 10m, 2h, 1d, or an ISO date such as 2026-11-27T10:00:00Z.',
      exit: 'usage',
    });
  }
  return parsed;
}

export async function functionLogs(
  ctx: CommandContext,
  hooks: HookEngine<CommandContext>,
  options: LogsOptions,
): Promise<AsyncIterable<LogLine>> {
  const fn = findFunction(ctx, options.functionKey);
  const startTime = parseStartTime(options.startTime);
  const runtime = await loadProviderRuntime(ctx);
  let lines: AsyncIterable<LogLine> | undefined;
  hooks.on('logs:logs', (c) => {
    lines = runtime.logs(providerContext(c), {
      function: fn,
      startTime,
      filter: options.filter,
      tail: options.tail ?? false,
    });
  });
  await hooks.run(['logs:logs'], ctx);
  return lines!;
}
