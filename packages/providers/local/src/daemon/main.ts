/**
 * The daemon process: `node dist/daemon/main.js`, spawned detached by the CLI.
 *
 * Environment: SKYRUN_HOME (data directory), SKYRUN_PORT (main port), SKYRUN_LOG_RETENTION_BYTES
 * (log bytes kept per function). Internal, for tests only: SKYRUN_INTERNAL_SCHEDULE_SPEEDUP (the
 * scheduler's clock runs N times faster) and SKYRUN_INTERNAL_ASYNC_RETRY_MS (delay of both async retries).
 */
import { createDefaultDataPlane } from './default-data-plane.js';
import { DaemonError } from './daemon-error.js';
import { resolveSkyrunHome } from './paths.js';
import { systemClock } from './scheduler.js';
import { startDaemonServer } from './server.js';

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (!raw || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

function log(message: string): void {
  process.stderr.write(`[skyrun-daemon ${process.pid}] ${new Date().toISOString()} ${message}\n`);
}

async function main(): Promise<void> {
  const home = resolveSkyrunHome();
  const retry = envNumber('SKYRUN_INTERNAL_ASYNC_RETRY_MS');
  let server;
  try {
    server = await startDaemonServer({
      home,
      port: envNumber('SKYRUN_PORT'),
      dataPlane: createDefaultDataPlane(),
      clock: systemClock(envNumber('SKYRUN_INTERNAL_SCHEDULE_SPEEDUP') ?? 1),
      logRetentionBytes: envNumber('SKYRUN_LOG_RETENTION_BYTES'),
      ...(retry !== undefined ? { asyncRetryDelaysMs: [retry, retry] } : {}),
      report: log,
    });
  } catch (error) {
    if (error instanceof DaemonError && error.code === 'LOCAL_DAEMON_RUNNING') {
      log(error.message);
      process.exit(0);
    }
    log(`failed to start: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  }
  log(`listening on 127.0.0.1:${server.port} (home ${home})`);
  const stop = (signal: string) => {
    log(`${signal}: stopping`);
    void server.close();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  process.on('uncaughtException', (error) => log(`uncaught: ${error.stack ?? String(error)}`));
  process.on('unhandledRejection', (error) => log(`unhandled rejection: ${(error as Error)?.stack ?? String(error)}`));
  await server.closed;
  log('stopped');
  process.exit(0);
}

void main();
