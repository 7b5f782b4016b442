// Types of plain-http.mjs, for the engine's gateway and the tests (the worker runtime itself is plain JavaScript).
import type { Socket } from 'node:net';
export interface PlainRead {
  readonly method: string;
  readonly url: string;
  /** `[name, value, ...]` as sent (names in their case, values without surrounding whitespace). */
  readonly rawHeaders: string[];
  readonly bodyStart: number;
  /** Where the next request starts. */
  readonly end: number;
}
export declare const NOT_PLAIN: null;
export declare function readPlainRequest(buf: Buffer, bodyLimit: number): PlainRead | null;
export declare function httpDate(now?: number): string;
/** Reads out bytes put back (`unshift`) into a socket node:http now reads through its handle. */
export declare function readPutBack(socket: Socket): void;
