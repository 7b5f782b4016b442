import { createHash } from 'node:crypto';
import type { FunctionVersionSpec, HttpRoute, InvocationResult, LogRecord, PreparedVersion } from '../engine/types.js';
import { ArtifactError, type ArtifactStore } from './artifacts.js';
import type { AsyncQueue } from './async-queue.js';
import { DaemonError } from './daemon-error.js';
import type { DataPlane } from './data-plane.js';
import { KeyedLock, LockTimeoutError } from './keyed-lock.js';
import type { LogStore } from './log-store.js';
import type {
  ChangeDto,
  DeployRequest,
  DeployResponse,
  DesiredFunction,
  FunctionInfoDto,
  InvokeRequestDto,
  InvokeResponseDto,
  PlanResponse,
  RemoveRequest,
  RemoveResponse,
  ServiceInfoDto,
} from './protocol.js';
import { compileSchedule, ScheduleExpressionError, type CompiledSchedule } from './schedule-expression.js';
import type { Scheduler, ScheduleJob } from './scheduler.js';
import {
  serviceKey,
  type FunctionState,
  type ScheduleState,
  type ServiceState,
  type StateStore,
} from './state-store.js';

export interface LocalDaemonParts {
  readonly dataPlane: DataPlane;
  readonly store: StateStore;
  readonly artifacts: ArtifactStore;
  readonly logs: LogStore;
  readonly queue: AsyncQueue;
  readonly scheduler: Scheduler;
  /** Port of the Invoke API (the daemon's main port). */
  readonly mainPort: () => number;
  /** Where the daemon reports its own problems. */
  readonly report: (message: string) => void;
  /** The daemon's own log file (named in hints). */
  readonly daemonLog: string;
  /** Delay before unreferenced artifacts are deleted (old workers may still be draining). */
  readonly gcDelayMs?: number;
  /** First port tried for a new service+stage listener. */
  readonly apiPortBase?: number;
}

interface FunctionPlan {
  readonly desired: DesiredFunction;
  readonly previous?: FunctionState;
  readonly action: 'create' | 'update' | 'unchanged';
  readonly configHash: string;
}

interface Diff {
  readonly changes: ChangeDto[];
  readonly functions: FunctionPlan[];
  readonly deleted: FunctionState[];
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function configHash(fn: DesiredFunction): string {
  const env = Object.fromEntries(Object.entries(fn.environment).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return createHash('sha256')
    .update(
      JSON.stringify([
        fn.name,
        fn.handler,
        fn.runtime,
        env,
        fn.timeoutMs,
        fn.memorySize,
        fn.reservedConcurrency ?? null,
        fn.provisionedConcurrency ?? null,
        // Appended only when set, so functions deployed before the key existed keep their hash.
        ...(fn.keepWarmMs !== undefined ? [fn.keepWarmMs] : []),
      ]),
    )
    .digest('hex');
}

function routeId(r: { method: string; path: string }): string {
  return `${r.method} ${r.path}`;
}

function ruleName(fn: { name: string }, schedule: { name?: string }, index: number): string {
  return schedule.name ?? `${fn.name}-schedule-${index + 1}`;
}

function describeError(error: unknown): string {
  if (error && typeof error === 'object') {
    const e = error as { errorType?: string; errorMessage?: string; message?: string; name?: string };
    if (e.errorMessage) return e.errorType ? `${e.errorType}: ${e.errorMessage}` : e.errorMessage;
    if (e.message) return e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message;
  }
  return String(error);
}

/** The control plane: deploys, removes, restores, invokes and answers queries. */
export class LocalDaemon {
  readonly #p: LocalDaemonParts;
  readonly #lock = new KeyedLock();
  readonly #compiled = new Map<string, Promise<CompiledSchedule>>();
  #gcTimer: NodeJS.Timeout | undefined;
  #gc: Promise<string[]> | undefined;
  /** Deploys, removes and restores running: artifact collection waits for them. */
  #usingCount = 0;

  constructor(parts: LocalDaemonParts) {
    this.#p = parts;
  }

  get parts(): LocalDaemonParts {
    return this.#p;
  }

  // ---------------------------------------------------------------- plan

  plan(request: DeployRequest): PlanResponse {
    this.#validate(request);
    this.#checkRoutes(request);
    return { changes: this.#diff(request).changes };
  }

  /**
   * Waits (2 s at most: a worker stuck in a handler answers later) until the replaced versions' workers that
   * serve connections themselves run no new request, so a request sent after the deploy reports meets the new
   * version.
   */
  async #switched(): Promise<void> {
    const engine = this.#p.dataPlane.engine;
    if (!engine.switched) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      engine.switched(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 2000);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  #validate(request: DeployRequest): void {
    if (!request || typeof request.service !== 'string' || !NAME_RE.test(request.service)) {
      throw new DaemonError('LOCAL_BAD_REQUEST', `"${String(request?.service)}" is not a valid service name.`);
    }
    if (typeof request.stage !== 'string' || !NAME_RE.test(request.stage)) {
      throw new DaemonError('LOCAL_BAD_REQUEST', `"${String(request.stage)}" is not a valid stage name.`);
    }
    if (!Array.isArray(request.functions)) throw new DaemonError('LOCAL_BAD_REQUEST', 'functions must be a list.');
    const names = new Set<string>();
    for (const fn of request.functions) {
      if (!fn || typeof fn.key !== 'string' || !NAME_RE.test(fn.key) || typeof fn.name !== 'string' || !fn.name) {
        throw new DaemonError('LOCAL_BAD_REQUEST', `invalid function entry ${JSON.stringify(fn?.key)}.`);
      }
      if (names.has(fn.name)) {
        throw new DaemonError(
          'LOCAL_NAME_CONFLICT',
          `Two functions are deployed under the same name "${fn.name}".`,
          409,
        );
      }
      names.add(fn.name);
      for (const other of this.#p.store.services()) {
        if (other.service === request.service && other.stage === request.stage) continue;
        if (Object.values(other.functions).some((f) => f.name === fn.name)) {
          throw new DaemonError(
            'LOCAL_NAME_CONFLICT',
            `The function name "${fn.name}" is already used by ${other.service} (stage ${other.stage}).`,
            409,
            'Give the function another `name:` or remove the other service first.',
          );
        }
      }
    }
  }

  /** API Gateway refuses two integrations for one method and path; so do we. */
  #checkRoutes(request: DeployRequest): void {
    const current = this.#p.store.get(request.service, request.stage);
    const keys = new Set(request.functions.map((f) => f.key));
    const kept =
      request.mode === 'function' ? Object.values(current?.functions ?? {}).filter((f) => !keys.has(f.key)) : [];
    const seen = new Map<string, string>();
    const all = [
      ...kept.flatMap((f) => f.routes.map((r) => ({ key: f.key, id: routeId(r) }))),
      ...request.functions.flatMap((f) =>
        f.routes.map((r) => ({ key: f.key, id: routeId({ method: r.method.toUpperCase(), path: r.path }) })),
      ),
    ];
    for (const { key, id } of all) {
      const owner = seen.get(id);
      if (owner !== undefined) {
        throw new DaemonError(
          'LOCAL_ROUTE_CONFLICT',
          owner === key
            ? `Function "${key}" declares the route ${id} twice.`
            : `The route ${id} is declared by both "${owner}" and "${key}".`,
          409,
          'Each method and path may be served by one function only.',
        );
      }
      seen.set(id, key);
    }
  }

  #diff(request: DeployRequest): Diff {
    const current = this.#p.store.get(request.service, request.stage);
    const before = current?.functions ?? {};
    const changes: ChangeDto[] = [];
    const functions: FunctionPlan[] = [];
    for (const desired of request.functions) {
      const previous = before[desired.key];
      const hash = configHash(desired);
      let action: FunctionPlan['action'] = 'create';
      let reason: string | undefined;
      if (previous) {
        const codeChanged = previous.sha256 !== desired.artifact.sha256;
        const configChanged = previous.configHash !== hash;
        action = codeChanged || configChanged ? 'update' : 'unchanged';
        reason =
          codeChanged && configChanged
            ? 'code and configuration changed'
            : codeChanged
              ? 'code changed'
              : configChanged
                ? 'configuration changed'
                : undefined;
      }
      functions.push({ desired, previous, action, configHash: hash });
      changes.push({ action, resource: 'function', name: desired.key, ...(reason ? { reason } : {}) });
      const oldRoutes = new Set((previous?.routes ?? []).map(routeId));
      const newRoutes = new Set(desired.routes.map(routeId));
      for (const r of newRoutes) {
        changes.push({ action: oldRoutes.has(r) ? 'unchanged' : 'create', resource: 'route', name: r });
      }
      for (const r of oldRoutes) if (!newRoutes.has(r)) changes.push({ action: 'delete', resource: 'route', name: r });
      const sched = (s: { expression: string; enabled: boolean; input?: unknown }) =>
        JSON.stringify([s.expression, s.enabled, s.input ?? null]);
      const oldSchedules = new Map((previous?.schedules ?? []).map((s) => [sched(s), s.expression]));
      const newSchedules = new Map(desired.schedules.map((s) => [sched(s), s.expression]));
      for (const [id, expr] of newSchedules) {
        changes.push({
          action: oldSchedules.has(id) ? 'unchanged' : 'create',
          resource: 'schedule',
          name: `${desired.key} ${expr}`,
        });
      }
      for (const [id, expr] of oldSchedules) {
        if (!newSchedules.has(id))
          changes.push({ action: 'delete', resource: 'schedule', name: `${desired.key} ${expr}` });
      }
    }
    const deleted: FunctionState[] = [];
    if (request.mode === 'service') {
      const wanted = new Set(request.functions.map((f) => f.key));
      for (const fn of Object.values(before)) {
        if (wanted.has(fn.key)) continue;
        deleted.push(fn);
        changes.push({ action: 'delete', resource: 'function', name: fn.key });
        for (const r of fn.routes) changes.push({ action: 'delete', resource: 'route', name: routeId(r) });
        for (const s of fn.schedules)
          changes.push({ action: 'delete', resource: 'schedule', name: `${fn.key} ${s.expression}` });
      }
    }
    return { changes, functions, deleted };
  }

  // ---------------------------------------------------------------- deploy

  /** Run `task` with artifact collection held off (it would delete what a deploy just extracted). */
  async #usingArtifacts<T>(task: () => Promise<T>): Promise<T> {
    this.#usingCount++;
    try {
      if (this.#gc) await this.#gc.catch(() => undefined);
      return await task();
    } finally {
      this.#usingCount--;
    }
  }

  async deploy(request: DeployRequest): Promise<DeployResponse> {
    this.#validate(request);
    const key = serviceKey(request.service, request.stage);
    try {
      return await this.#lock.run(key, request.lockTimeoutMs ?? 120_000, () =>
        this.#usingArtifacts(() => this.#deployLocked(request)),
      );
    } catch (error) {
      if (error instanceof LockTimeoutError) {
        throw new DaemonError(
          'LOCAL_DEPLOY_IN_PROGRESS',
          `Another deploy of ${request.service} (stage ${request.stage}) is still running.`,
          409,
          'Wait for it to finish, then deploy again.',
        );
      }
      throw error;
    }
  }

  async #deployLocked(request: DeployRequest): Promise<DeployResponse> {
    const { engine, gateway } = this.#p.dataPlane;
    this.#checkRoutes(request);
    const diff = this.#diff(request);
    const current = this.#p.store.get(request.service, request.stage);
    if (request.mode === 'function' && !current) {
      throw new DaemonError(
        'LOCAL_SERVICE_NOT_DEPLOYED',
        `${request.service} (stage ${request.stage}) is not deployed on the local runtime.`,
        404,
        'Deploy the whole service once (skyrun deploy) before deploying single functions.',
      );
    }
    const now = Date.now();

    // Everything that can be checked before touching the engine.
    for (const fp of diff.functions) {
      for (const s of fp.desired.schedules) await this.#compile(s.expression, fp.desired.key);
    }
    const changed = diff.functions.filter((f) => f.action !== 'unchanged');
    const dirs = new Map<string, string>();
    await Promise.all(
      changed.map(async (fp) => {
        try {
          dirs.set(
            fp.desired.key,
            await this.#p.artifacts.ensure(fp.desired.artifact.path, fp.desired.artifact.sha256),
          );
        } catch (error) {
          const message = error instanceof ArtifactError ? error.message : describeError(error);
          throw new DaemonError(
            'LOCAL_ARTIFACT_INVALID',
            `The artifact of function "${fp.desired.key}" cannot be used: ${message}`,
            400,
            'Package the service again (skyrun package) and redeploy.',
          );
        }
      }),
    );

    const apiKey = serviceKey(request.service, request.stage);
    const apiPort = await this.#openListener(apiKey, current, request.apiPort);
    const newListener = !current;

    // Prepare every changed function before activating any of them.
    const specs = changed.map((fp) => this.#spec(request, fp, dirs.get(fp.desired.key)!));
    const settled = await Promise.allSettled(specs.map((spec) => engine.prepare(spec)));
    const failures = settled
      .map((s, i) => (s.status === 'rejected' ? { key: specs[i]!.key, error: s.reason as unknown } : undefined))
      .filter((f): f is { key: string; error: unknown } => !!f);
    if (failures.length) {
      await Promise.allSettled(
        settled
          .filter((s): s is PromiseFulfilledResult<PreparedVersion> => s.status === 'fulfilled')
          .map((s) => engine.discard(s.value)),
      );
      if (newListener) await gateway.close(apiKey).catch(() => undefined);
      const detail = failures
        .map((f) => `function "${f.key}" failed to initialise: ${describeError(f.error)}`)
        .join('; ');
      throw new DaemonError(
        'LOCAL_FUNCTION_INIT_FAILED',
        `Deploy rejected: ${detail}.`,
        422,
        current
          ? 'The previous version keeps serving. Fix the handler and deploy again.'
          : 'Nothing was deployed. Fix the handler and deploy again.',
      );
    }

    // Commit: activate, swap routes, schedules, state.
    for (const s of settled) engine.activate((s as PromiseFulfilledResult<PreparedVersion>).value);
    await this.#switched();
    const functions: Record<string, FunctionState> =
      request.mode === 'function' ? { ...(current?.functions ?? {}) } : {};
    for (const fp of diff.functions) {
      const spec = specs.find((s) => s.key === fp.desired.key);
      functions[fp.desired.key] = this.#functionState(
        request,
        fp,
        spec ?? fp.previous!.spec,
        this.#p.scheduler.clock.now(),
      );
      this.#p.logs.setTarget(fp.desired.name, { service: request.service, stage: request.stage, key: fp.desired.key });
    }
    const next: ServiceState = {
      service: request.service,
      stage: request.stage,
      ...(request.region ? { region: request.region } : {}),
      apiPort,
      fixedPort: request.apiPort !== undefined,
      deployedAt: new Date(now).toISOString(),
      functions,
    };
    gateway.setRoutes(
      apiKey,
      Object.values(functions).flatMap((f) => f.routes),
    );
    await this.#armSchedules(next);
    this.#p.store.put(request.service, request.stage, next);

    // Functions gone (deleted, or renamed: the old name stops once the new one serves).
    const liveNames = new Set(Object.values(functions).map((f) => f.name));
    const gone = [...diff.deleted, ...diff.functions.flatMap((fp) => (fp.previous ? [fp.previous] : []))].filter(
      (f) => !liveNames.has(f.name),
    );
    for (const fn of gone) await this.#retire(fn.name);
    this.#scheduleGc();
    return { changes: diff.changes, info: this.#info(next) };
  }

  #spec(request: DeployRequest, fp: FunctionPlan, codeDir: string): FunctionVersionSpec {
    const d = fp.desired;
    return {
      service: request.service,
      stage: request.stage,
      key: d.key,
      name: d.name,
      version: String(fp.previous && fp.previous.name === d.name ? Number(fp.previous.version) + 1 : 1),
      codeDir,
      handler: d.handler,
      runtime: d.runtime,
      environment: { ...d.environment },
      timeoutMs: d.timeoutMs,
      memorySize: d.memorySize,
      ...(d.reservedConcurrency !== undefined ? { reservedConcurrency: d.reservedConcurrency } : {}),
      ...(d.provisionedConcurrency !== undefined ? { provisionedConcurrency: d.provisionedConcurrency } : {}),
      ...(d.keepWarmMs !== undefined ? { keepWarmMs: d.keepWarmMs } : {}),
      sha256: d.artifact.sha256,
    };
  }

  #functionState(request: DeployRequest, fp: FunctionPlan, spec: FunctionVersionSpec, now: number): FunctionState {
    const d = fp.desired;
    const routes: HttpRoute[] = d.routes.map((r) => ({
      service: request.service,
      stage: request.stage,
      api: r.api,
      payloadVersion: r.payloadVersion,
      method: r.method.toUpperCase(),
      path: r.path,
      functionName: d.name,
      ...(r.cors ? { cors: r.cors } : {}),
    }));
    const schedules: ScheduleState[] = d.schedules.map((s) => {
      const same = fp.previous?.schedules.find((o) => o.expression === s.expression);
      return { ...s, anchor: same?.anchor ?? now };
    });
    return {
      key: d.key,
      name: d.name,
      version: spec.version,
      sha256: d.artifact.sha256,
      configHash: fp.configHash,
      spec,
      routes,
      schedules,
    };
  }

  async #compile(expression: string, key: string): Promise<CompiledSchedule> {
    let pending = this.#compiled.get(expression);
    if (!pending) {
      pending = compileSchedule(expression);
      this.#compiled.set(expression, pending);
      pending.catch(() => this.#compiled.delete(expression));
    }
    try {
      return await pending;
    } catch (error) {
      if (error instanceof ScheduleExpressionError) {
        throw new DaemonError(
          'LOCAL_SCHEDULE_INVALID',
          `Function "${key}": ${error.message}.`,
          400,
          'See https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html for the syntax.',
        );
      }
      throw error;
    }
  }

  async #armSchedules(service: ServiceState): Promise<void> {
    const jobs: ScheduleJob[] = [];
    for (const fn of Object.values(service.functions)) {
      for (const [i, s] of fn.schedules.entries()) {
        if (!s.enabled) continue;
        jobs.push({
          id: `${fn.key}#${i}`,
          functionName: fn.name,
          schedule: await this.#compile(s.expression, fn.key),
          anchor: s.anchor,
          ...(s.input !== undefined ? { input: s.input } : {}),
          ruleName: ruleName(fn, s, i),
          region: service.region ?? 'us-east-1',
        });
      }
    }
    this.#p.scheduler.set(serviceKey(service.service, service.stage), jobs);
  }

  async #openListener(
    apiKey: string,
    current: ServiceState | undefined,
    requested: number | undefined,
  ): Promise<number> {
    const { gateway } = this.#p.dataPlane;
    if (current && (requested === undefined || requested === current.apiPort))
      return gateway.listen(apiKey, current.apiPort);
    if (requested === undefined) return this.#listenOnFreePort(apiKey);
    // A fixed port (provider.apiPort), new or changed: the old listener (if any) makes room.
    if (current) await gateway.close(apiKey).catch(() => undefined);
    try {
      return await gateway.listen(apiKey, requested);
    } catch (error) {
      if (current) await gateway.listen(apiKey, current.apiPort).catch(() => undefined);
      throw new DaemonError(
        'LOCAL_PORT_IN_USE',
        `Port ${requested} on 127.0.0.1 cannot be used for the HTTP API: ${describeError(error)}.`,
        409,
        'Free the port or change provider.apiPort.',
      );
    }
  }

  async #listenOnFreePort(apiKey: string): Promise<number> {
    const used = new Set(this.#p.store.services().map((s) => s.apiPort));
    used.add(this.#p.mainPort());
    let port = this.#p.apiPortBase ?? this.#p.mainPort() + 1;
    for (let tries = 0; tries < 50; tries++, port++) {
      if (used.has(port) || port > 65535) continue;
      try {
        return await this.#p.dataPlane.gateway.listen(apiKey, port);
      } catch {
        // taken by something else: try the next one
      }
    }
    return this.#p.dataPlane.gateway.listen(apiKey, 0);
  }

  async #retire(name: string): Promise<void> {
    this.#p.queue.drop(name);
    this.#p.logs.setTarget(name, undefined);
    try {
      await this.#p.dataPlane.engine.remove(name);
    } catch (error) {
      this.#p.report(`could not stop ${name}: ${describeError(error)}`);
    }
  }

  #scheduleGc(): void {
    clearTimeout(this.#gcTimer);
    this.#gcTimer = setTimeout(() => void this.collectArtifacts(), this.#p.gcDelayMs ?? 30_000);
    this.#gcTimer.unref();
  }

  /** Delete extracted artifacts no deployed function uses (postponed while a deploy or restore runs). */
  collectArtifacts(): Promise<string[]> {
    if (this.#usingCount > 0) {
      this.#scheduleGc();
      return Promise.resolve([]);
    }
    if (this.#gc) return this.#gc;
    const keep = new Set(this.#p.store.services().flatMap((s) => Object.values(s.functions).map((f) => f.sha256)));
    const gc = this.#p.artifacts.collect(keep).finally(() => {
      if (this.#gc === gc) this.#gc = undefined;
    });
    this.#gc = gc;
    return gc;
  }

  // ---------------------------------------------------------------- remove

  async remove(request: RemoveRequest): Promise<RemoveResponse> {
    const key = serviceKey(request.service, request.stage);
    return this.#lock.run(key, 120_000, () => this.#usingArtifacts(() => this.#removeLocked(request)));
  }

  async #removeLocked(request: RemoveRequest): Promise<RemoveResponse> {
    const key = serviceKey(request.service, request.stage);
    const current = this.#p.store.get(request.service, request.stage);
    if (!current) return { removed: [] };
    this.#p.dataPlane.gateway.setRoutes(key, []);
    await this.#p.dataPlane.gateway.close(key).catch(() => undefined);
    this.#p.scheduler.clear(key);
    const fns = Object.values(current.functions);
    for (const fn of fns) await this.#retire(fn.name);
    this.#p.store.put(request.service, request.stage, undefined);
    this.#p.logs.removeService(request.service, request.stage);
    this.#scheduleGc();
    return { removed: fns.map((f) => f.name) };
  }

  // ---------------------------------------------------------------- restore

  /** Bring back every deployed service after a (re)start. Problems are reported, never thrown. */
  async restore(): Promise<void> {
    // Under each service's lock: a deploy arriving while the daemon restores waits for it.
    await Promise.all(
      this.#p.store
        .services()
        .map((service) =>
          this.#lock.run(serviceKey(service.service, service.stage), 600_000, () =>
            this.#usingArtifacts(() => this.#restoreService(service)),
          ),
        ),
    );
    void this.collectArtifacts();
  }

  async #restoreService(service: ServiceState): Promise<void> {
    const { engine, gateway } = this.#p.dataPlane;
    const key = serviceKey(service.service, service.stage);
    let state = service;
    try {
      const port = await gateway.listen(key, service.apiPort).catch(async (error: unknown) => {
        if (service.fixedPort) throw error;
        this.#p.report(`port ${service.apiPort} of ${key} is taken; moving it`);
        return this.#listenOnFreePort(key);
      });
      if (port !== service.apiPort) {
        state = { ...service, apiPort: port };
        this.#p.store.put(service.service, service.stage, state);
      }
    } catch (error) {
      this.#p.report(`cannot reopen the listener of ${key} on port ${service.apiPort}: ${describeError(error)}`);
    }
    await Promise.all(
      Object.values(state.functions).map(async (fn) => {
        this.#p.logs.setTarget(fn.name, { service: state.service, stage: state.stage, key: fn.key });
        if (!this.#p.artifacts.has(fn.sha256)) {
          this.#p.report(`the artifact of ${fn.name} (${fn.sha256}) is missing; redeploy ${state.service}`);
          return;
        }
        try {
          const prepared = await engine.prepare({ ...fn.spec, codeDir: this.#p.artifacts.dirFor(fn.sha256) });
          engine.activate(prepared);
        } catch (error) {
          this.#p.report(`${fn.name} failed to initialise on restore: ${describeError(error)}`);
        }
      }),
    );
    gateway.setRoutes(
      key,
      Object.values(state.functions).flatMap((f) => f.routes),
    );
    try {
      await this.#armSchedules(state);
    } catch (error) {
      this.#p.report(`cannot arm the schedules of ${key}: ${describeError(error)}`);
    }
  }

  // ---------------------------------------------------------------- queries

  info(service: string, stage: string): ServiceInfoDto {
    const state = this.#p.store.get(service, stage);
    if (!state) {
      throw new DaemonError(
        'LOCAL_SERVICE_NOT_DEPLOYED',
        `${service} (stage ${stage}) is not deployed on the local runtime.`,
        404,
        'Run skyrun deploy first.',
      );
    }
    return this.#info(state);
  }

  #info(state: ServiceState): ServiceInfoDto {
    const stats = new Map(this.#p.dataPlane.engine.stats().map((s) => [s.name, s]));
    const apiUrl = `http://127.0.0.1:${state.apiPort}`;
    const functions: FunctionInfoDto[] = Object.values(state.functions).map((f) => ({
      key: f.key,
      name: f.name,
      version: f.version,
      runtime: f.spec.runtime,
      sha256: f.sha256,
      workers: stats.get(f.name)?.workers ?? 0,
      busy: stats.get(f.name)?.busy ?? 0,
      schedules: f.schedules.map(({ anchor: _anchor, ...s }) => s),
    }));
    return {
      service: state.service,
      stage: state.stage,
      ...(state.region ? { region: state.region } : {}),
      apiPort: state.apiPort,
      apiUrl,
      invokeUrl: `http://127.0.0.1:${this.#p.mainPort()}`,
      endpoints: Object.values(state.functions).flatMap((f) =>
        f.routes.map((r) => ({
          method: r.method,
          url: r.path === '*' ? `${apiUrl}/*` : `${apiUrl}${r.path}`,
          function: f.key,
        })),
      ),
      functions,
      deployedAt: state.deployedAt,
    };
  }

  services(): readonly ServiceState[] {
    return this.#p.store.services();
  }

  /** The deployed function of a service by key (or deployed name). */
  resolveFunction(service: string, stage: string, fn: string): FunctionState {
    const state = this.#p.store.get(service, stage);
    const found = state && (state.functions[fn] ?? Object.values(state.functions).find((f) => f.name === fn));
    if (!found) {
      throw new DaemonError(
        'LOCAL_FUNCTION_NOT_DEPLOYED',
        `Function "${fn}" of ${service} (stage ${stage}) is not deployed on the local runtime.`,
        404,
        'Run skyrun deploy first (skyrun info lists what is deployed).',
      );
    }
    return found;
  }

  // ---------------------------------------------------------------- invoke

  /**
   * Store an async invocation durably; used by the Invoke API, `invoke --type Event` and schedules.
   * Returns the request id every attempt runs with: `requestId` when given (the Invoke API's answer).
   */
  enqueue(functionName: string, payload: unknown, requestId?: string): string {
    if (!this.#p.dataPlane.engine.has(functionName) && !this.#known(functionName)) {
      throw new DaemonError('LOCAL_FUNCTION_NOT_DEPLOYED', `Function not found: ${functionName}`, 404);
    }
    return this.#p.queue.enqueue(functionName, payload, requestId);
  }

  #known(name: string): boolean {
    return this.#p.store.services().some((s) => Object.values(s.functions).some((f) => f.name === name));
  }

  async invoke(request: InvokeRequestDto): Promise<InvokeResponseDto> {
    const fn = this.resolveFunction(request.service, request.stage, request.function);
    if (request.type === 'DryRun') return { statusCode: 204, payload: null };
    if (request.type === 'Event') {
      const requestId = this.enqueue(fn.name, request.payload);
      return { requestId, statusCode: 202, payload: null };
    }
    if (!this.#p.dataPlane.engine.has(fn.name)) {
      throw new DaemonError(
        'LOCAL_FUNCTION_UNAVAILABLE',
        `Function "${fn.key}" is deployed but not running (it failed to start when the daemon restarted).`,
        503,
        `See ${this.#p.daemonLog} for the reason, then redeploy.`,
      );
    }
    const result: InvocationResult = await this.#p.dataPlane.engine.invoke(fn.name, request.payload);
    return {
      requestId: result.requestId,
      statusCode: 200,
      payload: result.payload,
      ...(result.functionError ? { functionError: result.functionError } : {}),
      ...(request.log ? { logs: result.logTail } : {}),
    };
  }

  /** A line written by the daemon about a function (async retries, drops). */
  logSystem(functionName: string, requestId: string | undefined, message: string): void {
    const version = this.#findByName(functionName)?.version ?? '$LATEST';
    const record: LogRecord = {
      timestamp: Date.now(),
      function: functionName,
      version,
      ...(requestId ? { requestId } : {}),
      message,
    };
    this.#p.logs.append(record);
  }

  #findByName(name: string): FunctionState | undefined {
    for (const s of this.#p.store.services()) {
      for (const f of Object.values(s.functions)) if (f.name === name) return f;
    }
    return undefined;
  }

  close(): void {
    clearTimeout(this.#gcTimer);
  }
}
