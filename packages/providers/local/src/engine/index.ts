export type * from './types.js';
export { createFunctionEngine, type FunctionEngineOptions } from './function-engine.js';
export { FunctionInitError, FunctionNotFoundError } from './errors.js';
export {
  createHttpGateway,
  createApiServer,
  DEFAULT_BODY_LIMIT_BYTES,
  type HttpGateway,
  type HttpGatewayOptions,
  type RouteSetOptions,
  type ApiServer,
  type ApiServerOptions,
} from './http/gateway.js';
export {
  createInvokeApiHandler,
  createInvokeApiServer,
  type InvokeApiOptions,
  type InvokeApiServer,
} from './invoke-api.js';
export { invokeInProcess, type InvokeInProcessOptions } from './invoke-local.js';
