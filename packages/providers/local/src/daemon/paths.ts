import { join, resolve } from 'node:path';
import { skyrunHome } from '@skyrun/core/skyrun-home';

/** Where everything of the local runtime lives: `SKYRUN_HOME`, default `~/.skyrun`. */
export function resolveSkyrunHome(home?: string): string {
  return home === undefined ? skyrunHome() : resolve(home);
}

/** The layout of SKYRUN_HOME. */
export interface HomePaths {
  readonly home: string;
  /** Deployed services (JSON, written atomically). */
  readonly state: string;
  /** `<sha256>/`: extracted artifacts. */
  readonly artifacts: string;
  /** `<service>/<stage>/<function>.log`: JSON lines. */
  readonly logs: string;
  /** One file per pending async invocation. */
  readonly queue: string;
  /** pid, port and protocol of the running daemon (written when it is ready). */
  readonly runtime: string;
  /** Held (pid inside) while a daemon runs. */
  readonly pidLock: string;
  /** Bearer token of the control API (0600). */
  readonly token: string;
  /** The daemon's own stdout/stderr. */
  readonly daemonLog: string;
}

export function homePaths(home: string): HomePaths {
  return {
    home,
    state: join(home, 'state.json'),
    artifacts: join(home, 'artifacts'),
    logs: join(home, 'logs'),
    queue: join(home, 'queue'),
    runtime: join(home, 'daemon.json'),
    pidLock: join(home, 'daemon.pid'),
    token: join(home, 'daemon.token'),
    daemonLog: join(home, 'daemon.log'),
  };
}
