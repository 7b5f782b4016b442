import { existsSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { HookEngine } from '../lifecycle/index.js';
import type { LogLine } from '../provider/contract.js';
import type { LoadedService } from '../service/load-service.js';
import { loadProviderRuntime, providerContext, type CommandContext } from './command-context.js';
import { deployService, type DeployOutcome } from './deploy.js';

export interface DevOptions {
  /** Load the service file again (it may have changed). */
  reload(): Promise<LoadedService>;
  /** Ends the session: the ephemeral stage is removed, watchers and log streams stop. */
  signal: AbortSignal;
  onDeploy(outcome: DeployOutcome, changedFiles: readonly string[]): void;
  onLog(line: LogLine): void;
  onError(error: unknown): void;
  /** Wait this long after the last file change before redeploying (ms). */
  debounceMs?: number;
}

const IGNORED = /(^|[\\/])(\.serverless|node_modules|\.git|\.skyrun)([\\/]|$)/;

/**
 * `skyrun dev`: deploy, stream logs, redeploy on every file change (only changed functions are
 * touched: the provider skips artifacts whose sha256 did not change), remove on exit.
 */
export async function runDev(initial: CommandContext, options: DevOptions): Promise<void> {
  let ctx = initial;
  const deploy = () => deployService({ ...ctx, loaded: ctx.loaded }, new HookEngine());
  options.onDeploy(await deploy(), []);

  const streams = new Map<string, AbortController>();
  const followLogs = async () => {
    const runtime = await loadProviderRuntime(ctx);
    for (const fn of Object.values(ctx.loaded.service.functions)) {
      if (streams.has(fn.name)) continue;
      const stop = new AbortController();
      streams.set(fn.name, stop);
      const signal = AbortSignal.any([stop.signal, options.signal]);
      void (async () => {
        try {
          for await (const line of runtime.logs(
            { ...providerContext(ctx), signal },
            { function: fn, tail: true, startTime: Date.now() },
          )) {
            options.onLog(line);
          }
        } catch (error) {
          if (!signal.aborted) options.onError(error);
        }
      })();
    }
  };
  await followLogs();

  const { serviceDir } = ctx.loaded.service;
  const changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const redeploy = () => {
    // Editors write through temporary files that are gone by now: name only what still exists.
    const files = [...changed].filter((file) => existsSync(path.join(serviceDir, file)));
    changed.clear();
    running = running.then(async () => {
      if (options.signal.aborted) return;
      try {
        ctx = { ...ctx, loaded: await options.reload() };
        options.onDeploy(await deploy(), files);
        await followLogs();
      } catch (error) {
        options.onError(error);
      }
    });
  };
  const watcher: FSWatcher = watch(serviceDir, { recursive: true }, (_event, file) => {
    if (!file || IGNORED.test(file)) return;
    changed.add(path.normalize(file));
    clearTimeout(timer);
    timer = setTimeout(redeploy, options.debounceMs ?? 40);
  });

  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  watcher.close();
  clearTimeout(timer);
  await running;
  for (const stop of streams.values()) stop.abort();
  const runtime = await loadProviderRuntime(ctx);
  await runtime.remove(providerContext({ ...ctx, signal: undefined }));
}
