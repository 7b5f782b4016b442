// Shared by the worker bootstrap and `skyrun invoke local`: Lambda-style handler loading,
// the context object and invocation of async / callback handlers. Dependency-free.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export class RuntimeError extends Error {
  constructor(errorType, message, cause) {
    super(message);
    this.name = errorType;
    this.errorType = errorType;
    if (cause && cause.stack)
      this.stack = `${errorType}: ${message}\n${String(cause.stack).split('\n').slice(1).join('\n')}`;
  }
}

/** Lambda's error payload for anything thrown or passed to a callback. */
export function toErrorPayload(err) {
  if (err instanceof Error || (err && typeof err === 'object' && typeof err.message === 'string')) {
    const stack = typeof err.stack === 'string' ? err.stack.split('\n') : [];
    return {
      errorType: err.errorType || err.name || (err.constructor && err.constructor.name) || 'Error',
      errorMessage: String(err.message),
      stackTrace: stack,
    };
  }
  if (err === undefined || err === null) return { errorType: 'Error', errorMessage: String(err), stackTrace: [] };
  return { errorType: typeof err, errorMessage: typeof err === 'string' ? err : safeString(err), stackTrace: [] };
}

function safeString(v) {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** Splits `dir/sub/file.export.nested` into the module path (no extension) and the export path. */
export function parseHandler(handler) {
  const slash = handler.lastIndexOf('/');
  const dir = slash >= 0 ? handler.slice(0, slash + 1) : '';
  const rest = handler.slice(slash + 1);
  const dot = rest.indexOf('.');
  if (dot <= 0 || dot === rest.length - 1) {
    throw new RuntimeError('Runtime.MalformedHandlerName', `Bad handler ${handler}`);
  }
  return { modulePath: dir + rest.slice(0, dot), exportPath: rest.slice(dot + 1).split('.') };
}

function resolveModuleFile(codeDir, modulePath) {
  const base = path.resolve(codeDir, modulePath);
  for (const ext of ['.js', '.mjs', '.cjs']) {
    if (existsSync(base + ext)) return base + ext;
  }
  return undefined;
}

function isSyntaxError(err) {
  return err instanceof SyntaxError || (err && err.name === 'SyntaxError');
}

/** Imports the handler module (ESM or CJS) and returns the handler function. */
export async function loadHandler(codeDir, handler) {
  const { modulePath, exportPath } = parseHandler(handler);
  const file = resolveModuleFile(codeDir, modulePath);
  if (!file) {
    throw new RuntimeError(
      'Runtime.ImportModuleError',
      `Error: Cannot find module '${modulePath}'\nRequire stack:\n- ${codeDir}`,
    );
  }
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (err) {
    if (isSyntaxError(err)) {
      throw new RuntimeError('Runtime.UserCodeSyntaxError', `SyntaxError: ${err.message}`, err);
    }
    if (err && (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND')) {
      throw new RuntimeError('Runtime.ImportModuleError', `Error: ${err.message}`, err);
    }
    throw err;
  }
  let target = mod;
  for (let i = 0; i < exportPath.length; i++) {
    const key = exportPath[i];
    let next = target == null ? undefined : target[key];
    // A CJS module's exports are `default` under import(); names are usually also re-exported.
    if (next === undefined && i === 0 && mod.default != null) next = mod.default[key];
    target = next;
  }
  const full = `${path.basename(modulePath)}.${exportPath.join('.')}`;
  if (target === undefined) throw new RuntimeError('Runtime.HandlerNotFound', `${full} is undefined or not exported`);
  if (typeof target !== 'function') throw new RuntimeError('Runtime.HandlerNotFound', `${full} is not a function`);
  return target;
}

/** Reads a nearby package.json `type` (kept for diagnostics). */
export function packageType(codeDir) {
  try {
    return JSON.parse(readFileSync(path.join(codeDir, 'package.json'), 'utf8')).type ?? 'commonjs';
  } catch {
    return 'commonjs';
  }
}

/** The context fields that are the same for every invocation of a loaded function: worked out once per `meta`. */
const fixedFields = new WeakMap();
function fixedContextFields(meta) {
  let fixed = fixedFields.get(meta);
  if (!fixed) {
    fixed = {
      memoryLimitInMB: String(meta.memorySize),
      invokedFunctionArn: `arn:aws:lambda:${meta.region || 'local'}:000000000000:function:${meta.functionName}`,
      logGroupName: meta.logGroupName || `/aws/lambda/${meta.functionName}`,
    };
    fixedFields.set(meta, fixed);
  }
  return fixed;
}

/**
 * Builds the Lambda context. `meta`: functionName, functionVersion, memorySize, region,
 * logGroupName, logStreamName. `deadline` is epoch ms.
 */
export function createContext(meta, requestId, deadline, clientContext, settle) {
  const fixed = fixedContextFields(meta);
  const context = {
    awsRequestId: requestId,
    functionName: meta.functionName,
    functionVersion: meta.functionVersion,
    memoryLimitInMB: fixed.memoryLimitInMB,
    invokedFunctionArn: fixed.invokedFunctionArn,
    logGroupName: fixed.logGroupName,
    logStreamName: meta.logStreamName || 'local',
    identity: undefined,
    clientContext: decodeClientContext(clientContext),
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    succeed: (result) => settle(undefined, result),
    fail: (err) => settle(err ?? new Error('handled'), undefined),
    done: (err, result) => settle(err ?? undefined, result),
  };
  return context;
}

function decodeClientContext(b64) {
  if (!b64) return undefined;
  try {
    return JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Runs one invocation. Resolves `{ ok: true, result }` or `{ ok: false, error }` (never rejects).
 * Callback handlers (3 parameters), `context.succeed/fail/done` and promise-returning handlers all settle it;
 * the first settlement wins. `onEmptyLoop(fn)` (optional, the worker provides it) calls `fn` once the event
 * loop is empty: with it a callback handler honours `callbackWaitsForEmptyEventLoop`, and a sync handler
 * that returns nothing finishes with `null` when its pending work is done, as on Lambda. `cancelEmptyLoop()`
 * undoes a pending `onEmptyLoop`.
 */
export function runHandler(fn, event, meta, requestId, deadline, clientContext, hooks) {
  return new Promise((resolve) => invokeHandler(fn, event, meta, requestId, deadline, clientContext, hooks, resolve));
}

/**
 * `runHandler` with a callback: `onSettled(outcome)` is called once, with what `runHandler` resolves with.
 * The worker's hot path uses it: a short request's answer is written from the handler's own settlement, not
 * several promise jobs later. A settlement during the handler's synchronous run is passed on in a microtask,
 * so that `onSettled` never runs inside the handler's call (an error it throws is not the handler's).
 */
export function invokeHandler(fn, event, meta, requestId, deadline, clientContext, hooks, onSettled) {
  let settled = false;
  let inCall = true;
  let pendingResult;
  const finish = (err, result) => {
    if (settled) return;
    settled = true;
    if (hooks) hooks.cancelEmptyLoop();
    const outcome =
      err !== undefined && err !== null ? { ok: false, error: toErrorPayload(err) } : { ok: true, result };
    if (inCall) queueMicrotask(() => onSettled(outcome));
    else onSettled(outcome);
  };
  const settle = (err, result) => finish(err, result);
  const context = createContext(meta, requestId, deadline, clientContext, settle);
  const callback = (err, result) => {
    if (settled || pendingResult) return;
    if (hooks && context.callbackWaitsForEmptyEventLoop) {
      pendingResult = { err: err ?? undefined, result };
      hooks.onEmptyLoop(() => finish(pendingResult.err, pendingResult.result));
    } else finish(err ?? undefined, result);
  };
  let ret;
  try {
    ret = fn.length >= 3 ? fn(event, context, callback) : fn(event, context);
  } catch (err) {
    finish(err === undefined || err === null ? new Error(String(err)) : err, undefined);
    return;
  } finally {
    inCall = false;
  }
  if (ret && typeof ret.then === 'function') {
    ret.then(
      (result) => finish(undefined, result),
      (err) => finish(err === undefined || err === null ? new Error(String(err)) : err, undefined),
    );
  } else if (fn.length < 3) {
    if (ret !== undefined) finish(undefined, ret);
    else if (hooks) hooks.onEmptyLoop(() => finish(undefined, null));
    else setImmediate(() => finish(undefined, null));
  }
}

/** JSON for the response: `undefined` becomes `null` as on Lambda; unserialisable results are an error. */
export function serializeResult(result) {
  try {
    const s = JSON.stringify(result === undefined ? null : result);
    return { ok: true, json: s === undefined ? 'null' : s };
  } catch (err) {
    return {
      ok: false,
      error: {
        errorType: 'Runtime.MarshalError',
        errorMessage: `Unable to stringify response body: ${err && err.message}`,
        stackTrace: [],
      },
    };
  }
}
