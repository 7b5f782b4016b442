import { existsSync, readFileSync } from 'node:fs';
// Only types from the core's barrel: importing it at run time would load the whole core (print, dev, js-yaml…)
// into every deploy.
import { SkyrunError } from '@skyrun/core/errors/skyrun-error';
import type {
  Artifact,
  DeployResult,
  FunctionEvent,
  FunctionSpec,
  InvokeRequest,
  InvokeResult,
  LogLine,
  LogsRequest,
  Plan,
  PlanChange,
  ProviderContext,
  ProviderRuntime,
  ServiceInfo,
} from '@skyrun/core';
import { ensureDaemon } from './client/launcher.js';
import type { DaemonClient } from './client/daemon-client.js';
import { homePaths, resolveSkyrunHome } from './daemon/paths.js';
import type {
  DeployRequest,
  DeployResponse,
  DesiredFunction,
  DesiredRoute,
  DesiredSchedule,
  InvokeResponseDto,
  PlanResponse,
  RemoveResponse,
  ServiceInfoDto,
} from './daemon/protocol.js';
import type { DaemonState } from './daemon/state-store.js';

const PROVIDER = 'local';

function providerPort(ctx: ProviderContext, key: 'port' | 'apiPort'): number | undefined {
  const raw = ctx.service.provider.name === PROVIDER ? ctx.service.provider.raw[key] : undefined;
  return typeof raw === 'number' && Number.isInteger(raw) ? raw : undefined;
}

/** `provider.keepWarm` (seconds) of a local service. */
function keepWarmMs(ctx: ProviderContext): number | undefined {
  const raw = ctx.service.provider.name === PROVIDER ? ctx.service.provider.raw.keepWarm : undefined;
  return typeof raw === 'number' && Number.isFinite(raw) && raw >= 0 ? Math.round(raw * 1000) : undefined;
}

function mainPort(ctx: ProviderContext): number | undefined {
  const env = process.env.SKYRUN_PORT;
  if (env && /^\d+$/.test(env)) return Number(env);
  return providerPort(ctx, 'port');
}

function client(ctx: ProviderContext): Promise<DaemonClient> {
  return ensureDaemon({ port: mainPort(ctx), progress: ctx.progress });
}

function eventLabel(event: FunctionEvent): string {
  switch (event.kind) {
    case 'provider':
      return event.type;
    case 'http':
      return event.api === 'rest' ? 'http' : 'httpApi';
    default:
      return event.kind;
  }
}

function desiredFunction(
  ctx: ProviderContext,
  fn: FunctionSpec,
  artifact: Artifact | undefined,
  skipped: string[],
): DesiredFunction {
  if (!artifact) {
    throw new SkyrunError({
      code: 'LOCAL_ARTIFACT_MISSING',
      message: `No packaged artifact contains function "${fn.key}".`,
      hint: 'Run skyrun package, or deploy without --package.',
      exit: 'provider',
    });
  }
  if (!fn.handler) {
    throw new SkyrunError({
      code: 'LOCAL_IMAGE_UNSUPPORTED',
      message: `Function "${fn.key}" has no handler (container images are not run by the local runtime).`,
      hint: 'Give the function a handler to run it locally.',
      exit: 'provider',
    });
  }
  if (!/^(nodejs|python3)/.test(fn.runtime)) {
    throw new SkyrunError({
      code: 'LOCAL_RUNTIME_UNSUPPORTED',
      message: `Function "${fn.key}" uses the runtime ${fn.runtime}, which the local runtime cannot run.`,
      hint: 'The local runtime runs nodejs18.x/20.x/22.x and python3.x functions.',
      exit: 'provider',
    });
  }
  const routes: DesiredRoute[] = [];
  const schedules: DesiredSchedule[] = [];
  for (const event of fn.events) {
    if (event.kind === 'http') {
      routes.push({
        api: event.api,
        payloadVersion: event.payloadVersion,
        method: event.method,
        path: event.path,
        ...(event.cors ? { cors: event.cors } : {}),
      });
    } else if (event.kind === 'schedule') {
      event.expressions.forEach((expression, i) =>
        schedules.push({
          expression,
          enabled: event.enabled,
          ...(event.input !== undefined ? { input: event.input } : {}),
          ...(event.name ? { name: event.expressions.length > 1 ? `${event.name}-${i + 1}` : event.name } : {}),
        }),
      );
    } else {
      skipped.push(`${fn.key} (${eventLabel(event)})`);
    }
  }
  const keepWarm = keepWarmMs(ctx);
  return {
    key: fn.key,
    name: fn.name,
    handler: fn.handler,
    runtime: fn.runtime,
    environment: fn.environment,
    timeoutMs: Math.round(fn.timeout * 1000),
    memorySize: fn.memorySize,
    ...(fn.reservedConcurrency !== undefined ? { reservedConcurrency: fn.reservedConcurrency } : {}),
    ...(fn.provisionedConcurrency !== undefined ? { provisionedConcurrency: fn.provisionedConcurrency } : {}),
    ...(keepWarm !== undefined ? { keepWarmMs: keepWarm } : {}),
    artifact: { path: artifact.path, sha256: artifact.sha256 },
    routes,
    schedules,
  };
}

/** The daemon's view of a deploy; warns once about events the local runtime skips. */
export function buildDeployRequest(
  ctx: ProviderContext,
  artifacts: readonly Artifact[],
  only?: FunctionSpec,
): DeployRequest {
  const skipped: string[] = [];
  const specs = only ? [only] : Object.values(ctx.service.functions);
  const functions = specs.map((fn) =>
    desiredFunction(
      ctx,
      fn,
      artifacts.find((a) => a.functions.includes(fn.key)),
      skipped,
    ),
  );
  if (skipped.length) {
    ctx.progress.warn(`The local runtime cannot serve these events and skips them: ${skipped.join(', ')}.`);
  }
  const apiPort = providerPort(ctx, 'apiPort');
  return {
    service: ctx.service.name,
    stage: ctx.service.stage,
    ...(ctx.service.region ? { region: ctx.service.region } : {}),
    mode: only ? 'function' : 'service',
    functions,
    ...(apiPort !== undefined ? { apiPort } : {}),
  };
}

function summarise(changes: readonly PlanChange[]): string {
  const fns = changes.filter((c) => c.resource === 'function');
  const count = (a: PlanChange['action']) => fns.filter((c) => c.action === a).length;
  const parts = [
    [count('create'), 'created'],
    [count('update'), 'updated'],
    [count('delete'), 'deleted'],
    [count('unchanged'), 'unchanged'],
  ]
    .filter(([n]) => n)
    .map(([n, what]) => `${n} ${what}`);
  return parts.length ? parts.join(', ') : 'no functions';
}

function toServiceInfo(info: ServiceInfoDto, artifacts: readonly Artifact[] = []): ServiceInfo {
  return {
    service: info.service,
    stage: info.stage,
    provider: PROVIDER,
    ...(info.region ? { region: info.region } : {}),
    endpoints: info.endpoints.map((e) => ({ method: e.method, url: e.url, function: e.function })),
    functions: info.functions.map((f) => {
      const size = artifacts.find((a) => a.sha256 === f.sha256)?.size;
      return {
        key: f.key,
        name: f.name,
        version: f.version,
        runtime: f.runtime,
        ...(size !== undefined ? { size } : {}),
      };
    }),
    outputs: { InvokeApiEndpoint: info.invokeUrl, ServiceEndpoint: info.apiUrl },
    details: {
      apiPort: info.apiPort,
      deployedAt: info.deployedAt,
      workers: Object.fromEntries(info.functions.map((f) => [f.key, { workers: f.workers, busy: f.busy }])),
      schedules: Object.fromEntries(info.functions.filter((f) => f.schedules.length).map((f) => [f.key, f.schedules])),
    },
  };
}

async function deploy(
  ctx: ProviderContext,
  request: DeployRequest,
  artifacts: readonly Artifact[],
): Promise<DeployResult> {
  const daemon = await client(ctx);
  const n = request.functions.length;
  const step = ctx.progress.step(`Deploying ${n} function${n === 1 ? '' : 's'} to the local runtime`);
  let response: DeployResponse;
  try {
    response = await daemon.request<DeployResponse>('POST', '/deploy', request, { signal: ctx.signal });
  } catch (error) {
    step.fail();
    throw error;
  }
  step.done(summarise(response.changes));
  return { ...toServiceInfo(response.info, artifacts), changes: response.changes };
}

/** Whether the state on disk knows the service+stage (so `remove` need not start a daemon). */
function deployedOnDisk(service: string, stage: string): boolean {
  const { state } = homePaths(resolveSkyrunHome());
  if (!existsSync(state)) return false;
  try {
    return !!(JSON.parse(readFileSync(state, 'utf8')) as DaemonState).services[`${service}:${stage}`];
  } catch {
    return true;
  }
}

/** info, invoke and logs of a service that was never deployed answer without starting a daemon. */
function requireDeployed(ctx: ProviderContext): void {
  const { name, stage } = ctx.service;
  if (deployedOnDisk(name, stage)) return;
  throw new SkyrunError({
    code: 'LOCAL_SERVICE_NOT_DEPLOYED',
    message: `${name} (stage ${stage}) is not deployed on the local runtime.`,
    hint: 'Run skyrun deploy first.',
    exit: 'provider',
  });
}

const runtime: ProviderRuntime = {
  async plan(ctx, artifacts): Promise<Plan> {
    const request = buildDeployRequest(ctx, artifacts);
    const daemon = await client(ctx);
    const { changes } = await daemon.request<PlanResponse>('POST', '/plan', request, { signal: ctx.signal });
    return { provider: PROVIDER, changes, detail: request };
  },

  apply(ctx, plan, artifacts) {
    const request = (plan.detail as DeployRequest | undefined) ?? buildDeployRequest(ctx, artifacts);
    return deploy(ctx, request, artifacts);
  },

  deployFunction(ctx, fn, artifact) {
    return deploy(ctx, buildDeployRequest(ctx, [artifact], fn), [artifact]);
  },

  async remove(ctx) {
    const { name: service, stage } = ctx.service;
    if (!deployedOnDisk(service, stage)) return { removed: [] };
    const daemon = await client(ctx);
    const step = ctx.progress.step(`Removing ${service} (stage ${stage}) from the local runtime`);
    try {
      const res = await daemon.request<RemoveResponse>('POST', '/remove', { service, stage }, { signal: ctx.signal });
      step.done(`${res.removed.length} function${res.removed.length === 1 ? '' : 's'}`);
      return res;
    } catch (error) {
      step.fail();
      throw error;
    }
  },

  async info(ctx) {
    requireDeployed(ctx);
    const daemon = await client(ctx);
    const params = new URLSearchParams({ service: ctx.service.name, stage: ctx.service.stage });
    return toServiceInfo(
      await daemon.request<ServiceInfoDto>('GET', `/info?${params}`, undefined, { signal: ctx.signal }),
    );
  },

  async invoke(ctx, request: InvokeRequest): Promise<InvokeResult> {
    requireDeployed(ctx);
    const daemon = await client(ctx);
    const res = await daemon.request<InvokeResponseDto>(
      'POST',
      '/invoke',
      {
        service: ctx.service.name,
        stage: ctx.service.stage,
        function: request.function.key,
        payload: request.payload,
        type: request.type,
        log: request.log,
      },
      // The function's own timeout bounds a RequestResponse call; the margin covers a cold start.
      { signal: ctx.signal, timeoutMs: Math.round(request.function.timeout * 1000) + 60_000 },
    );
    return {
      ...(res.requestId ? { requestId: res.requestId } : {}),
      statusCode: res.statusCode,
      payload: res.payload,
      ...(res.functionError ? { functionError: res.functionError } : {}),
      ...(res.logs !== undefined ? { logs: res.logs } : {}),
    };
  },

  async *logs(ctx, request: LogsRequest): AsyncIterable<LogLine> {
    requireDeployed(ctx);
    const daemon = await client(ctx);
    const lines = daemon.streamLogs(
      {
        service: ctx.service.name,
        stage: ctx.service.stage,
        function: request.function.key,
        startTime: request.startTime !== undefined ? String(request.startTime) : undefined,
        filter: request.filter,
        follow: request.tail ? '1' : undefined,
      },
      ctx.signal,
    );
    for await (const line of lines) {
      yield {
        timestamp: line.timestamp,
        function: line.function,
        version: line.version,
        ...(line.requestId ? { requestId: line.requestId } : {}),
        message: line.message,
      };
    }
  },
};

export default runtime;
