// Types of plain-http.mjs, for the tests (the worker runtime itself is plain JavaScript).
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
