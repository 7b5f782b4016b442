import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FunctionVersionSpec, HttpRoute } from '../engine/types.js';
import type { DesiredSchedule } from './protocol.js';
import { writeFileAtomic } from './fs-util.js';

/** One schedule as deployed; `anchor` (epoch ms) aligns `rate(...)` ticks across restarts. */
export interface ScheduleState extends DesiredSchedule {
  readonly anchor: number;
}

export interface FunctionState {
  readonly key: string;
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
  /** Hash of everything but the code that needs new workers when it changes. */
  readonly configHash: string;
  readonly spec: FunctionVersionSpec;
  readonly routes: readonly HttpRoute[];
  readonly schedules: readonly ScheduleState[];
}

export interface ServiceState {
  readonly service: string;
  readonly stage: string;
  readonly region?: string;
  /** Port of this service+stage's HTTP listener: stable across redeploys and restarts. */
  readonly apiPort: number;
  /** Whether `apiPort` was asked for (`provider.apiPort`) rather than allocated. */
  readonly fixedPort: boolean;
  readonly deployedAt: string;
  readonly functions: Readonly<Record<string, FunctionState>>;
}

export interface DaemonState {
  readonly format: 1;
  readonly services: Readonly<Record<string, ServiceState>>;
}

export function serviceKey(service: string, stage: string): string {
  return `${service}:${stage}`;
}

/** The persisted state: read once at start, replaced atomically on every change. */
export class StateStore {
  #state: DaemonState;

  constructor(readonly path: string) {
    this.#state = StateStore.#read(path);
  }

  static #read(path: string): DaemonState {
    if (!existsSync(path)) return { format: 1, services: {} };
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as DaemonState;
    if (parsed.format !== 1 || typeof parsed.services !== 'object') {
      throw new Error(`${path} is not a skyrun local state file`);
    }
    return parsed;
  }

  get state(): DaemonState {
    return this.#state;
  }

  get(service: string, stage: string): ServiceState | undefined {
    return this.#state.services[serviceKey(service, stage)];
  }

  services(): readonly ServiceState[] {
    return Object.values(this.#state.services);
  }

  /** Replace (or delete, with undefined) one service+stage and persist. */
  put(service: string, stage: string, value: ServiceState | undefined): void {
    const services = { ...this.#state.services };
    const key = serviceKey(service, stage);
    if (value) services[key] = value;
    else delete services[key];
    const next: DaemonState = { format: 1, services };
    mkdirSync(dirname(this.path), { recursive: true });
    // 0600: function environments may hold secrets.
    writeFileAtomic(this.path, JSON.stringify(next, null, 1), 0o600);
    this.#state = next;
  }
}
