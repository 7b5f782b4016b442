import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SkyrunError } from '@skyrun/core/errors/skyrun-error';
import { silentProgress, type ProgressReporter } from '@skyrun/core/output/progress';
import { homePaths, resolveSkyrunHome } from '../daemon/paths.js';
import { isProcessRunning } from '../daemon/process-alive.js';
import { PROTOCOL_VERSION, type StatusResponse } from '../daemon/protocol.js';
import { DaemonClient } from './daemon-client.js';

/** The daemon's own log is rotated (one old file kept) when a start finds it larger than this. */
const DAEMON_LOG_LIMIT = 5 * 1024 * 1024;

export interface DaemonOptions {
  /** SKYRUN_HOME; default `$SKYRUN_HOME` or `~/.skyrun`. */
  readonly home?: string;
  /** Main port for a daemon this call starts (default `$SKYRUN_PORT`, else the last one, else 3000). */
  readonly port?: number;
  readonly progress?: ProgressReporter;
  /** How long to wait for a starting daemon, ms (default 15 s). */
  readonly startTimeoutMs?: number;
}

export type DaemonStatus =
  | ({ readonly running: true; readonly daemonLog: string } & StatusResponse)
  | { readonly running: false; readonly home: string; readonly daemonLog: string };

/** The built daemon entry; from sources (tests, dev) the build in `dist/` next to them. */
export function daemonEntry(): string {
  const here = new URL('../daemon/main.js', import.meta.url);
  const built = fileURLToPath(here);
  if (existsSync(built)) return built;
  return fileURLToPath(new URL('../../dist/daemon/main.js', import.meta.url));
}

/** A client for the daemon of `home` if one is running and answers, else undefined. */
export async function connectDaemon(home: string): Promise<DaemonClient | undefined> {
  const paths = homePaths(home);
  let port: number;
  let token: string;
  try {
    port = (JSON.parse(readFileSync(paths.runtime, 'utf8')) as { port: number }).port;
    token = readFileSync(paths.token, 'utf8').trim();
  } catch {
    return undefined;
  }
  const client = new DaemonClient({ home, port, token }, paths.daemonLog);
  try {
    client.lastStatus = await client.status(3_000);
    return client;
  } catch {
    return undefined;
  }
}

function tailOf(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function startFailed(daemonLog: string, reason: string): SkyrunError {
  const tail = tailOf(daemonLog);
  return new SkyrunError({
    code: 'LOCAL_DAEMON_START_FAILED',
    message: `The local runtime daemon did not start: ${reason}${tail ? `\n${tail}` : ''}`,
    hint: `Its log is ${daemonLog}. Set SKYRUN_PORT to use another port, or run skyrun local start to retry.`,
    exit: 'provider',
  });
}

/** Spawn a detached daemon for `home` and wait until it answers. */
async function spawnDaemon(home: string, options: DaemonOptions): Promise<DaemonClient> {
  const paths = homePaths(home);
  const entry = daemonEntry();
  if (!existsSync(entry))
    throw startFailed(paths.daemonLog, `${entry} is missing (build @skyrun/provider-local first)`);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  try {
    if (statSync(paths.daemonLog).size > DAEMON_LOG_LIMIT) renameSync(paths.daemonLog, `${paths.daemonLog}.1`);
  } catch {
    // no log yet
  }
  const log = openSync(paths.daemonLog, 'a', 0o600);
  let exited: string | undefined;
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, SKYRUN_HOME: home };
    if (options.port !== undefined) env.SKYRUN_PORT = String(options.port);
    child = spawn(process.execPath, [entry], {
      detached: true,
      stdio: ['ignore', log, log],
      env,
      windowsHide: true,
    });
    child.once(
      'exit',
      (code, signal) => (exited = signal ? `it was killed by ${signal}` : `it exited with code ${code}`),
    );
    child.once('error', (error) => (exited = error.message));
    child.unref();
  } finally {
    closeSync(log);
  }
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    const client = await connectDaemon(home);
    if (client) {
      // Another start won the race: stop our daemon before it gets far enough to take over
      // the home once the winner stops.
      if (!exited && child?.pid !== undefined && client.lastStatus?.pid !== child.pid) child.kill('SIGTERM');
      return client;
    }
    // A daemon that lost the start race to another one exits: the winner answers soon.
    if (exited && !existsSync(paths.pidLock)) throw startFailed(paths.daemonLog, exited);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw startFailed(paths.daemonLog, `no answer within ${options.startTimeoutMs ?? 15_000} ms`);
}

/** A client for the running daemon, starting one (with a progress step) when none runs. */
export async function ensureDaemon(options: DaemonOptions = {}): Promise<DaemonClient> {
  const home = resolveSkyrunHome(options.home);
  const running = await connectDaemon(home);
  if (running) {
    if (running.lastStatus?.protocol === PROTOCOL_VERSION) return running;
    // An older skyrun's daemon: replace it (state on disk is kept and restored).
    await stopDaemon({ home });
  }
  const step = (options.progress ?? silentProgress).step('Starting the local runtime');
  try {
    const client = await spawnDaemon(home, options);
    step.done(`127.0.0.1:${client.endpoint.port}`);
    return client;
  } catch (error) {
    step.fail();
    throw error;
  }
}

/** `skyrun local start`: start the daemon if needed; its status. */
export async function startDaemon(options: DaemonOptions = {}): Promise<DaemonStatus> {
  const client = await ensureDaemon(options);
  return { running: true, daemonLog: client.daemonLog, ...(await client.status()) };
}

/** `skyrun local status`. */
export async function daemonStatus(options: Pick<DaemonOptions, 'home'> = {}): Promise<DaemonStatus> {
  const home = resolveSkyrunHome(options.home);
  const paths = homePaths(home);
  const client = await connectDaemon(home);
  if (!client) return { running: false, home, daemonLog: paths.daemonLog };
  return { running: true, daemonLog: paths.daemonLog, ...(await client.status()) };
}

/** `skyrun local stop`: ask the daemon to stop and wait until it has (SIGKILL after `timeoutMs`). */
export async function stopDaemon(
  options: Pick<DaemonOptions, 'home'> & { timeoutMs?: number } = {},
): Promise<{ stopped: boolean; pid?: number }> {
  const home = resolveSkyrunHome(options.home);
  const paths = homePaths(home);
  const client = await connectDaemon(home);
  if (!client) return { stopped: false };
  const { pid } = await client.status();
  await client.request('POST', '/shutdown', {}, { timeoutMs: 5_000 }).catch(() => undefined);
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const alive = () => isProcessRunning(pid);
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (alive()) {
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
  }
  // After a hard kill the daemon could not tidy up; the next daemon would reclaim these anyway.
  if (!alive()) rmSync(paths.runtime, { force: true });
  return { stopped: true, pid };
}
