import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FunctionEngine, HttpRoute } from '../engine/types.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** The HTTP listeners of the services: one per service+stage, each with its own route table. */
export interface GatewayHost {
  /**
   * Open the listener of `apiKey` on 127.0.0.1:`port` (0: any free port) and resolve the bound
   * port. Resolves at once when it is already open. Rejects (EADDRINUSE...) when it cannot bind.
   */
  listen(apiKey: string, port: number): Promise<number>;
  /** Replace the listener's route table atomically. */
  setRoutes(apiKey: string, routes: readonly HttpRoute[]): void;
  /** Stop the listener (in-flight requests finish). */
  close(apiKey: string): Promise<void>;
  closeAll(): Promise<void>;
}

/**
 * Called by the Invoke API for `InvocationType: Event` with the request id of its 202 answer: resolves
 * once the event is stored durably under that id (every attempt runs with it), rejects when the function
 * is unknown.
 */
export type AsyncInvokeSink = (functionName: string, payload: unknown, requestId: string) => Promise<string>;

/** Everything the daemon drives: the engine (src/engine/) and its HTTP front ends. */
export interface DataPlane {
  readonly engine: FunctionEngine;
  readonly gateway: GatewayHost;
  /** The Lambda Invoke API handler served on the daemon's main port. */
  invokeApi(onAsyncInvoke: AsyncInvokeSink): RequestHandler;
  close(): Promise<void>;
}
