import { randomUUID } from 'node:crypto';
import { billedDuration, timeoutMessage } from './lambda-format.js';
import type { WireError } from './protocol.js';
import { NODE_HANDLER_RUNTIME_URL, PYTHON_BOOTSTRAP, runtimeKind } from './runtime-paths.js';
import type { InvocationResult } from './types.js';
import { minimalEnv } from './function-engine.js';
import { WorkerProcess } from './worker-process.js';

export interface InvokeInProcessOptions {
  readonly codeDir: string;
  readonly handler: string;
  readonly event: unknown;
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  readonly functionName: string;
  /** `nodejs20.x` (default) runs in this process; `python3.x` runs one python3 bootstrap. */
  readonly runtime?: string;
  readonly memorySize?: number;
  readonly region?: string;
  /** Where a Python function's output lines go; default this process's stdout. */
  readonly onLine?: (line: string) => void;
}

interface HandlerRuntime {
  loadHandler(codeDir: string, handler: string): Promise<(...args: unknown[]) => unknown>;
  runHandler(
    fn: (...args: unknown[]) => unknown,
    event: unknown,
    meta: Record<string, unknown>,
    requestId: string,
    deadline: number,
    clientContext?: string,
  ): Promise<{ ok: true; result: unknown } | { ok: false; error: WireError }>;
  serializeResult(result: unknown): { ok: true; json: string } | { ok: false; error: WireError };
  toErrorPayload(err: unknown): WireError;
}

/** The function's environment plus the variables Lambda sets for `$LATEST`. */
function lambdaEnvironment(
  options: InvokeInProcessOptions,
  memorySize: number,
  region: string,
): Record<string, string> {
  return {
    ...options.env,
    AWS_LAMBDA_FUNCTION_NAME: options.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memorySize),
    AWS_REGION: options.env?.AWS_REGION ?? region,
    LAMBDA_TASK_ROOT: options.codeDir,
    _HANDLER: options.handler,
  };
}

/**
 * `skyrun invoke local`: runs a handler without the daemon. Node handlers run in this process with the same
 * loader and context as the worker bootstrap (runtime/node/handler-runtime.mjs); the function's environment
 * is added to process.env for the call and restored afterwards. Init errors come back as an Unhandled result.
 */
export async function invokeInProcess(options: InvokeInProcessOptions): Promise<InvocationResult> {
  const kind = runtimeKind(options.runtime ?? 'nodejs20.x');
  if (kind === 'python') return invokePythonOnce(options);
  const requestId = randomUUID();
  const timeoutMs = options.timeoutMs ?? 6000;
  const memorySize = options.memorySize ?? 1024;
  const region = options.region ?? 'us-east-1';
  const rt = (await import(NODE_HANDLER_RUNTIME_URL)) as HandlerRuntime;
  const env = lambdaEnvironment(options, memorySize, region);
  const saved = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(env)) {
    saved.set(k, process.env[k]);
    process.env[k] = v;
  }
  const started = performance.now();
  const base = { requestId, durationMs: 0, billedDurationMs: 0, maxMemoryUsedMB: 0, logTail: '' };
  const done = (
    r: Omit<InvocationResult, 'durationMs' | 'billedDurationMs' | 'maxMemoryUsedMB' | 'logTail' | 'requestId'>,
  ): InvocationResult => {
    const durationMs = performance.now() - started;
    return {
      ...base,
      ...r,
      durationMs,
      billedDurationMs: billedDuration(durationMs),
      maxMemoryUsedMB: Math.ceil(process.memoryUsage().rss / 1048576),
    };
  };
  try {
    let fn: (...args: unknown[]) => unknown;
    try {
      fn = await rt.loadHandler(options.codeDir, options.handler);
    } catch (err) {
      return done({ payload: rt.toErrorPayload(err), functionError: 'Unhandled' });
    }
    const meta = { functionName: options.functionName, functionVersion: '$LATEST', memorySize, region };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([
      rt.runHandler(fn, options.event, meta, requestId, Date.now() + timeoutMs),
      timeout,
    ]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      return done({
        payload: {
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${requestId} Error: ${timeoutMessage(timeoutMs)}`,
        },
        functionError: 'TimedOut',
      });
    }
    if (!outcome.ok) return done({ payload: outcome.error, functionError: 'Unhandled' });
    const ser = rt.serializeResult(outcome.result);
    if (!ser.ok) return done({ payload: ser.error, functionError: 'Unhandled' });
    return done({ payload: JSON.parse(ser.json) });
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

async function invokePythonOnce(options: InvokeInProcessOptions): Promise<InvocationResult> {
  const requestId = randomUUID();
  const timeoutMs = options.timeoutMs ?? 6000;
  const memorySize = options.memorySize ?? 1024;
  const region = options.region ?? 'us-east-1';
  const lines: string[] = [];
  const worker = new WorkerProcess({
    kind: 'python',
    memorySize: 0,
    command: 'python3',
    args: ['-u', PYTHON_BOOTSTRAP],
    env: minimalEnv(),
  });
  worker.lineSink = (_s, line) => {
    lines.push(line);
    if (options.onLine) options.onLine(line);
    else process.stdout.write(line + '\n');
  };
  const started = performance.now();
  const finish = (
    payload: unknown,
    functionError?: InvocationResult['functionError'],
    maxMemoryUsedMB = 0,
  ): InvocationResult => {
    const durationMs = performance.now() - started;
    return {
      requestId,
      payload,
      functionError,
      durationMs,
      billedDurationMs: billedDuration(durationMs),
      maxMemoryUsedMB,
      logTail: lines.join('\n').slice(-4096),
    };
  };
  try {
    try {
      await worker.load({
        codeDir: options.codeDir,
        handler: options.handler,
        env: { ...minimalEnv(), ...lambdaEnvironment(options, memorySize, region) },
        functionName: options.functionName,
        functionVersion: '$LATEST',
        memorySize,
        region,
        logGroupName: `/aws/lambda/${options.functionName}`,
        logStreamName: 'local',
      });
    } catch (err) {
      return finish(err, 'Unhandled');
    }
    const outcome = await worker.invoke(requestId, JSON.stringify(options.event ?? null), timeoutMs);
    switch (outcome.kind) {
      case 'ok':
        return finish(outcome.payload, undefined, outcome.maxMemoryUsedMB);
      case 'error':
        return finish(outcome.error, 'Unhandled', outcome.maxMemoryUsedMB);
      case 'timeout':
        return finish(
          {
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${requestId} Error: ${timeoutMessage(timeoutMs)}`,
          },
          'TimedOut',
        );
      case 'exit':
      case 'not-started':
        return finish(
          { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: Runtime exited with error` },
          'Unhandled',
        );
    }
  } finally {
    await worker.stop();
  }
}
