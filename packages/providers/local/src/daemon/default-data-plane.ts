import type { ServerResponse } from 'node:http';
import {
  createApiServer,
  createFunctionEngine,
  createInvokeApiHandler,
  type ApiServer,
  type FunctionEngineOptions,
} from '../engine/index.js';
import type { HttpRoute } from '../engine/types.js';
import type { DataPlane, GatewayHost } from './data-plane.js';

export interface DefaultDataPlaneOptions {
  readonly engine?: FunctionEngineOptions;
  readonly region?: string;
}

function unknownOperation(res: ServerResponse): void {
  const body = JSON.stringify({ message: 'UnknownOperationException' });
  res.writeHead(404, {
    'content-type': 'application/json',
    'x-amzn-errortype': 'UnknownOperationException',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** The real data plane: the worker engine, one API server per service+stage and the Invoke API. */
export function createDefaultDataPlane(options: DefaultDataPlaneOptions = {}): DataPlane {
  const engine = createFunctionEngine({ ...(options.region ? { region: options.region } : {}), ...options.engine });
  const apis = new Map<string, { api: ApiServer; port: number }>();
  const opening = new Map<string, Promise<number>>();

  const gateway: GatewayHost = {
    listen(apiKey, port) {
      const open = apis.get(apiKey);
      if (open) return Promise.resolve(open.port);
      let pending = opening.get(apiKey);
      if (!pending) {
        const api = createApiServer({ engine, port });
        pending = api
          .listen()
          .then(({ port: bound }) => {
            apis.set(apiKey, { api, port: bound });
            return bound;
          })
          .finally(() => opening.delete(apiKey));
        opening.set(apiKey, pending);
      }
      return pending;
    },
    setRoutes(apiKey, routes: readonly HttpRoute[]) {
      apis.get(apiKey)?.api.setRoutes(routes);
    },
    async close(apiKey) {
      const open = apis.get(apiKey);
      if (!open) return;
      apis.delete(apiKey);
      await open.api.close();
    },
    async closeAll() {
      await Promise.all([...apis.keys()].map((k) => gateway.close(k)));
    },
  };

  return {
    engine,
    gateway,
    invokeApi(onAsyncInvoke) {
      const handler = createInvokeApiHandler({
        engine,
        ...(options.region ? { region: options.region } : {}),
        onAsyncInvoke: async (name, payload, requestId) => {
          await onAsyncInvoke(name, payload, requestId);
        },
      });
      return (req, res) => {
        if (!handler(req, res)) unknownOperation(res);
      };
    },
    async close() {
      await gateway.closeAll();
      await engine.close();
    },
  };
}
