import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ArtifactStore } from './artifacts.js';
import { AsyncQueue } from './async-queue.js';
import { createControlApi } from './control-api.js';
import { DaemonError } from './daemon-error.js';
import type { DataPlane } from './data-plane.js';
import { writeFileAtomic } from './fs-util.js';
import { LocalDaemon } from './local-daemon.js';
import { LogStore } from './log-store.js';
import { homePaths, type HomePaths } from './paths.js';
import { CONTROL_PREFIX, PROTOCOL_VERSION, type StatusResponse } from './protocol.js';
import { scheduledEvent, Scheduler, systemClock, type SchedulerClock } from './scheduler.js';
import { StateStore } from './state-store.js';
import { isProcessRunning as alive } from './process-alive.js';

export const DEFAULT_PORT = 3000;

export interface DaemonServerOptions {
  /** SKYRUN_HOME (absolute). */
  readonly home: string;
  /**
   * Main port (Invoke API + control API). Undefined: the last port used, else 3000; when the
   * port is taken a free one is picked and recorded. 0: any free port.
   */
  readonly port?: number;
  readonly dataPlane: DataPlane;
  readonly clock?: SchedulerClock;
  /** Bytes of logs kept per function. */
  readonly logRetentionBytes?: number;
  /** Delays before async retries 1 and 2. */
  readonly asyncRetryDelaysMs?: readonly number[];
  readonly gcDelayMs?: number;
  /** First port tried for service listeners (default: main port + 1). */
  readonly apiPortBase?: number;
  /** Where problems the daemon cannot return to a caller go (default: stderr). */
  readonly report?: (message: string) => void;
}

/** What `daemon.json` holds while a daemon is ready. */
export interface DaemonRuntimeInfo {
  readonly pid: number;
  readonly port: number;
  readonly protocol: number;
  readonly startedAt: string;
}

export interface DaemonServer {
  readonly home: string;
  readonly port: number;
  readonly token: string;
  readonly daemon: LocalDaemon;
  readonly queue: AsyncQueue;
  readonly logs: LogStore;
  readonly scheduler: Scheduler;
  /** Resolves once the daemon has stopped (after close() or a shutdown request). */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alreadyRunning(paths: HomePaths, pid: number): DaemonError {
  return new DaemonError('LOCAL_DAEMON_RUNNING', `A skyrun daemon (pid ${pid}) already runs for ${paths.home}.`, 409);
}

/**
 * Take `daemon.pid`. The file is created complete (a hard link of a file already holding our
 * pid), so a racing daemon never reads it empty; a lock of a dead process is replaced.
 */
function acquirePidLock(paths: HomePaths): void {
  const mine = `${paths.pidLock}.${process.pid}.tmp`;
  writeFileSync(mine, String(process.pid), { mode: 0o600 });
  try {
    for (let i = 0; i < 5; i++) {
      try {
        linkSync(mine, paths.pidLock);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const pid = readPid(paths.pidLock);
      if (pid !== undefined && pid !== process.pid && alive(pid)) throw alreadyRunning(paths, pid);
      if (pid !== undefined) rmSync(paths.pidLock, { force: true });
    }
    throw new DaemonError('LOCAL_DAEMON_RUNNING', `Cannot take ${paths.pidLock}.`, 409);
  } finally {
    rmSync(mine, { force: true });
  }
}

/** Two daemons replacing the same stale lock at once: the one whose pid is not in it gives up. */
function assertPidLock(paths: HomePaths): void {
  const pid = readPid(paths.pidLock);
  if (pid !== process.pid) throw alreadyRunning(paths, pid ?? 0);
}

function releasePidLock(paths: HomePaths): void {
  if (readPid(paths.pidLock) === process.pid) rmSync(paths.pidLock, { force: true });
}

function readOrCreateToken(paths: HomePaths): string {
  if (existsSync(paths.token)) {
    const token = readFileSync(paths.token, 'utf8').trim();
    if (token.length >= 32) {
      chmodSync(paths.token, 0o600);
      return token;
    }
  }
  const token = randomBytes(32).toString('hex');
  writeFileAtomic(paths.token, token, 0o600);
  chmodSync(paths.token, 0o600);
  return token;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

/** Start the daemon in this process: used by `main.ts` and by tests. */
export async function startDaemonServer(options: DaemonServerOptions): Promise<DaemonServer> {
  const paths = homePaths(options.home);
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  acquirePidLock(paths);
  const report =
    options.report ??
    ((message: string) => process.stderr.write(`[skyrun-daemon] ${new Date().toISOString()} ${message}\n`));
  try {
    await new Promise((r) => setTimeout(r, 20));
    assertPidLock(paths);
    return await start(options, paths, report);
  } catch (error) {
    releasePidLock(paths);
    throw error;
  }
}

async function start(
  options: DaemonServerOptions,
  paths: HomePaths,
  report: (message: string) => void,
): Promise<DaemonServer> {
  const token = readOrCreateToken(paths);
  const { engine } = options.dataPlane;
  const store = new StateStore(paths.state);
  const artifacts = new ArtifactStore(paths.artifacts);
  const logs = new LogStore({ root: paths.logs, retentionBytes: options.logRetentionBytes });
  const unsubscribeLogs = engine.onLog((record) => logs.append(record), {
    lines: (functionName, lines) => logs.appendLines(functionName, lines),
  });
  let mainPort = 0;
  const queue = new AsyncQueue({
    dir: paths.queue,
    retryDelaysMs: options.asyncRetryDelaysMs,
    invoke: async (event) => {
      if (engine.has(event.functionName))
        return engine.invoke(event.functionName, event.payload, { requestId: event.id });
      const known = daemon
        .services()
        .some((s) => Object.values(s.functions).some((f) => f.name === event.functionName));
      if (known) throw new Error('the function is not running');
      return undefined;
    },
    log: (name, requestId, message) => daemon.logSystem(name, requestId, message),
  });
  const scheduler = new Scheduler(options.clock ?? systemClock(), (job, time) => {
    try {
      queue.enqueue(job.functionName, scheduledEvent(job, time));
    } catch (error) {
      report(`schedule of ${job.functionName} could not be queued: ${(error as Error).message}`);
    }
  });
  const daemon: LocalDaemon = new LocalDaemon({
    dataPlane: options.dataPlane,
    store,
    artifacts,
    logs,
    queue,
    scheduler,
    mainPort: () => mainPort,
    report,
    daemonLog: paths.daemonLog,
    gcDelayMs: options.gcDelayMs,
    apiPortBase: options.apiPortBase,
  });

  const startedAt = new Date().toISOString();
  let closing: Promise<void> | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const status = (): StatusResponse => ({
    pid: process.pid,
    port: mainPort,
    home: paths.home,
    protocol: PROTOCOL_VERSION,
    startedAt,
    services: daemon.services().map((s) => ({
      service: s.service,
      stage: s.stage,
      apiPort: s.apiPort,
      functions: Object.keys(s.functions).length,
    })),
    queuedEvents: queue.size,
  });
  const control = createControlApi({ token, daemon, logs, status, shutdown: () => void close() });
  const invokeApi = options.dataPlane.invokeApi(async (name, payload, requestId) =>
    daemon.enqueue(name, payload, requestId),
  );
  const server = createServer((req, res) => {
    if (req.url?.startsWith(`${CONTROL_PREFIX}/`)) control(req, res);
    else invokeApi(req, res);
  });
  server.keepAliveTimeout = 5_000;

  const portFile = `${paths.runtime.slice(0, -'.json'.length)}.port`;
  const lastPort = existsSync(portFile) ? Number(readFileSync(portFile, 'utf8').trim()) || undefined : undefined;
  const wanted = options.port ?? lastPort ?? DEFAULT_PORT;
  try {
    mainPort = await listen(server, wanted);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' && (error as NodeJS.ErrnoException).code !== 'EACCES')
      throw error;
    report(`port ${wanted} is taken; the Invoke API uses a free port instead`);
    mainPort = await listen(server, 0);
  }
  writeFileAtomic(portFile, String(mainPort));

  await daemon.restore();
  try {
    assertPidLock(paths);
  } catch (error) {
    await close();
    throw error;
  }
  queue.start();
  const runtime: DaemonRuntimeInfo = { pid: process.pid, port: mainPort, protocol: PROTOCOL_VERSION, startedAt };
  writeFileAtomic(paths.runtime, JSON.stringify(runtime), 0o600);

  async function close(): Promise<void> {
    closing ??= (async () => {
      try {
        const info = JSON.parse(readFileSync(paths.runtime, 'utf8')) as DaemonRuntimeInfo;
        if (info.pid === process.pid) rmSync(paths.runtime, { force: true });
      } catch {
        // not written yet, or already gone
      }
      scheduler.close();
      queue.close();
      daemon.close();
      unsubscribeLogs();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await options.dataPlane
        .close()
        .catch((error: unknown) => report(`data plane close failed: ${(error as Error).message}`));
      logs.close();
      releasePidLock(paths);
      resolveClosed();
    })();
    return closing;
  }

  return { home: paths.home, port: mainPort, token, daemon, queue, logs, scheduler, closed, close };
}
