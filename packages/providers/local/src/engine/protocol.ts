/**
 * The engine <-> worker protocol: frames of a 4-byte big-endian length followed by UTF-8 JSON, on an extra
 * stdio pipe (fd 3, a socketpair), so the function's own stdout/stderr stay separate from the protocol.
 *
 * Why not `fork()` IPC: measured on the 2-core reference machine with a 10-deep pipeline of small
 * request/response messages, `fork` with 'json' serialization did 40-47k round trips/s, 'advanced'
 * serialization 23-31k/s, and this framing over fd 3 46-53k/s. The framing is also what the Python
 * bootstrap speaks with nothing but `socket` and `struct`, and it lets the engine splice an already
 * serialised payload into a frame.
 *
 * A frame whose first byte is 0x01 (JSON never starts with it) carries bytes after its JSON: 0x01, the JSON's
 * length (4 bytes, big-endian), the JSON, then raw bytes (an HTTP request or response body) that JSON would
 * have to escape or base64-encode. The reader puts them in the message's `body`.
 */
import type { HttpResponse } from '../../runtime/node/http-adapter.mjs';
import type { ForwardedRequest } from './types.js';

/** Messages a worker sends. */
export type WorkerMessage =
  | { readonly t: 'ready'; readonly pid: number }
  | {
      readonly t: 'loaded';
      readonly ok: boolean;
      readonly initMs?: number;
      readonly error?: WireError;
      readonly o: number;
      readonly e: number;
    }
  | {
      readonly t: 'result';
      readonly id: string;
      readonly ok: boolean;
      readonly payload?: unknown;
      readonly error?: WireError;
      readonly fatal?: boolean;
      /** Bytes written to stdout / stderr since the worker started. */
      readonly o: number;
      readonly e: number;
      /** Max RSS in MB. */
      readonly m: number;
      /** Handler run time in ms, measured in the worker. */
      readonly d?: number;
      /** A request the worker read from connection `cid` and ran itself (it answered it unless `fatal`). */
      readonly cid?: number;
      /** A request read from a connection (cid): when it started, epoch ms (its START line's time). */
      readonly s?: number;
      /** For an HTTP invocation (Node workers): the response, null for a malformed handler result. */
      readonly http?: HttpResponse | null;
      /** The response body (a frame with bytes). */
      readonly body?: Buffer;
    }
  | { readonly t: 'fatal'; readonly error: WireError; readonly o: number; readonly e: number }
  | FrontMessage;

/** Messages of a worker that serves connections itself (runtime/node/front.mjs). */
export type FrontMessage =
  /** The worker took the api's routes: connections may be passed now. */
  | { readonly t: 'fronted' }
  /** It forwards a request it does not run; the body is the frame's bytes. */
  | {
      readonly t: 'fwd';
      readonly fid: number;
      readonly cid: number;
      readonly r: ForwardedRequest;
      readonly body?: Buffer;
    }
  /** It closed its handle on the connection between two requests: the engine serves it again. */
  | { readonly t: 'released'; readonly cid: number }
  /** The connection closed. */
  | { readonly t: 'closed'; readonly cid: number }
  /** It has the bytes the engine read from a connection it passed (`head`): they are its to answer now. */
  | { readonly t: 'adopted'; readonly cid: number }
  /** Told to give its connections back: it runs no request itself from now on (it forwards them). */
  | { readonly t: 'releasing' }
  /**
   * Requests it ran that succeeded and wrote nothing (past its first): the handler times (ms) of the latest
   * QUIET_FRAME_DURATIONS of them, the latest max memory and request id; the bytes are their batch log line as the
   * log store keeps it (log-line.ts).
   */
  | {
      readonly t: 'quiet';
      readonly d: readonly number[];
      readonly m: number;
      readonly last: string;
      readonly body?: Buffer;
    };

/**
 * How many of a `quiet` frame's run times it carries: the latest, which are all the engine judges run times by
 * (a batch holds hundreds of requests under load; their times as text would be a good share of the batch's cost).
 */
export const QUIET_FRAME_DURATIONS = 15;

export interface WireError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stackTrace?: readonly string[];
}

/** One frame from a JSON text. */
export function encodeFrame(json: string): Buffer {
  const len = Buffer.byteLength(json, 'utf8');
  const frame = Buffer.allocUnsafe(4 + len);
  frame.writeUInt32BE(len, 0);
  frame.write(json, 4, 'utf8');
  return frame;
}

/** One frame from a JSON text and raw bytes after it (see above). */
export function encodeFrameWithBytes(json: string, bytes: Buffer | string | null): Buffer {
  const jsonLen = Buffer.byteLength(json, 'utf8');
  const bytesLen = bytes === null ? 0 : typeof bytes === 'string' ? Buffer.byteLength(bytes, 'utf8') : bytes.length;
  const frame = Buffer.allocUnsafe(9 + jsonLen + bytesLen);
  frame.writeUInt32BE(5 + jsonLen + bytesLen, 0);
  frame[4] = 1;
  frame.writeUInt32BE(jsonLen, 5);
  frame.write(json, 9, 'utf8');
  if (bytes !== null) {
    if (typeof bytes === 'string') frame.write(bytes, 9 + jsonLen, 'utf8');
    else bytes.copy(frame, 9 + jsonLen);
  }
  return frame;
}

/** Reassembles frames from a byte stream. */
export class FrameReader {
  private buf: Buffer | null = null;

  constructor(private readonly onMessage: (message: WorkerMessage) => void) {}

  push(chunk: Buffer): void {
    let buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
    while (buf.length >= 4) {
      const len = buf.readUInt32BE(0);
      if (buf.length < 4 + len) break;
      let message: WorkerMessage;
      if (buf[4] === 1) {
        const jsonLen = buf.readUInt32BE(5);
        message = JSON.parse(buf.toString('utf8', 9, 9 + jsonLen)) as WorkerMessage;
        (message as { body?: Buffer }).body = buf.subarray(9 + jsonLen, 4 + len);
      } else message = JSON.parse(buf.toString('utf8', 4, 4 + len)) as WorkerMessage;
      buf = buf.subarray(4 + len);
      this.onMessage(message);
    }
    this.buf = buf.length === 0 ? null : buf;
  }
}
