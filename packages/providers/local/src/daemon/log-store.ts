import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { expandLogRecord } from '../engine/lambda-format.js';
import { PLAIN_REQUEST_ID, parseStoredLines } from '../engine/log-line.js';
import type { LogRecord } from '../engine/types.js';
import type { StoredLogLine } from './protocol.js';

/** Where a deployed function's lines go. */
export interface LogTarget {
  readonly service: string;
  readonly stage: string;
  readonly key: string;
}

export interface LogQuery extends LogTarget {
  /** Epoch ms; older lines are skipped. */
  readonly startTime?: number;
  /** Case-sensitive substring of the message (CloudWatch's plain-term filter). */
  readonly filter?: string;
  /** Only the last `limit` matching lines. */
  readonly limit?: number;
}

export interface LogStoreOptions {
  readonly root: string;
  /** Bytes kept per function (current file + one rotated file). */
  readonly retentionBytes?: number;
}

interface OpenFile {
  fd: number;
  size: number;
  /** Lines to write: text built here, or bytes of lines written by a worker (appendLines). */
  pending: (string | Buffer)[];
}

const DEFAULT_RETENTION = 10 * 1024 * 1024;
/** The lines a record stands for: itself, or an invocation's START, END and REPORT lines. */
function storedLines(record: LogRecord): StoredLogLine[] {
  const { timestamp, version, requestId } = record;
  const fn = record.function;
  return expandLogRecord(record).map((message) =>
    requestId !== undefined
      ? { timestamp, function: fn, version, requestId, message }
      : { timestamp, function: fn, version, message },
  );
}

function safeSegment(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Per-function JSON-lines log files under `logs/<service>/<stage>/<function>.log`.
 * Lines are buffered for one event-loop turn and written with one write per file, so what a
 * client has been answered is on disk (in the OS cache: it survives the daemon being killed).
 * A file past half the retention size is rotated to `.1`, dropping the previous `.1`.
 */
export class LogStore {
  readonly root: string;
  readonly retentionBytes: number;
  /** The file of each deployed function name (worked out once: every invocation writes three lines). */
  readonly #fileByName = new Map<string, string>();
  readonly #files = new Map<string, OpenFile>();
  readonly #followers = new Set<{ target: string; filter?: string; push(line: StoredLogLine): void }>();
  #flushScheduled = false;

  constructor(options: LogStoreOptions) {
    this.root = options.root;
    this.retentionBytes = Math.max(1024, options.retentionBytes ?? DEFAULT_RETENTION);
  }

  /** Route records of deployed `name` to the target's file (undefined: forget the name). */
  setTarget(name: string, target: LogTarget | undefined): void {
    if (target) this.#fileByName.set(name, this.fileFor(target));
    else this.#fileByName.delete(name);
  }

  fileFor(target: LogTarget): string {
    return join(this.root, safeSegment(target.service), safeSegment(target.stage), `${safeSegment(target.key)}.log`);
  }

  #fileOf(functionName: string): string {
    return this.#fileByName.get(functionName) ?? join(this.root, '_unknown', `${safeSegment(functionName)}.log`);
  }

  #open(file: string): OpenFile {
    let open = this.#files.get(file);
    if (!open) {
      mkdirSync(dirname(file), { recursive: true });
      const fd = openSync(file, 'a', 0o600);
      open = { fd, size: statSync(file).size, pending: [] };
      this.#files.set(file, open);
    }
    return open;
  }

  #scheduleFlush(): void {
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * Store lines already in the stored form (newline-terminated JSON: engine/log-line.ts), as a front worker writes
   * them for its quiet invocations: appended as they are, parsed only for followers.
   */
  appendLines(functionName: string, lines: Buffer): void {
    const file = this.#fileOf(functionName);
    this.#open(file).pending.push(lines);
    this.#scheduleFlush();
    if (this.#followers.size === 0) return;
    // A line that is not JSON is stored, and skipped when read (as in query()).
    for (const record of parseStoredLines(lines)) for (const line of storedLines(record)) this.#notify(file, line);
  }

  /** Store one record (from the engine or from the daemon itself). */
  append(record: LogRecord): void {
    const file = this.#fileOf(record.function);
    const { timestamp, version, requestId, message } = record;
    // The same text as JSON.stringify of a StoredLogLine, built without the object and with the parts that repeat
    // (function, version; request ids are plain UUIDs) not escaped again for every line: three per invocation.
    const id = requestId
      ? PLAIN_REQUEST_ID.test(requestId)
        ? `"${requestId}"`
        : JSON.stringify(requestId)
      : undefined;
    // An invocation record (its START, END and REPORT lines) stays one line, expanded when read.
    const invocation = record.invocation ? `,"invocation":${JSON.stringify(record.invocation)}` : '';
    const text = `{"timestamp":${timestamp}${this.#functionAndVersion(record.function, version)}${id ? `,"requestId":${id}` : ''},"message":${JSON.stringify(message)}${invocation}}\n`;
    this.#open(file).pending.push(text);
    this.#scheduleFlush();
    if (this.#followers.size > 0) for (const line of storedLines(record)) this.#notify(file, line);
  }

  #fragments = new Map<string, string>();

  /** `,"function":"…","version":"…"`, escaped once per function and version. */
  #functionAndVersion(name: string, version: string): string {
    const key = `${name}\n${version}`;
    let fragment = this.#fragments.get(key);
    if (fragment === undefined) {
      if (this.#fragments.size > 1000) this.#fragments.clear();
      fragment = `,"function":${JSON.stringify(name)},"version":${JSON.stringify(version)}`;
      this.#fragments.set(key, fragment);
    }
    return fragment;
  }

  #notify(file: string, line: StoredLogLine): void {
    for (const follower of this.#followers) {
      if (follower.target === file && (!follower.filter || line.message.includes(follower.filter))) follower.push(line);
    }
  }

  /** Write every buffered line now. */
  flush(): void {
    this.#flushScheduled = false;
    for (const [file, open] of this.#files) {
      if (!open.pending.length) continue;
      let data = open.pending.every((p) => typeof p === 'string')
        ? Buffer.from(open.pending.join(''))
        : Buffer.concat(open.pending.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
      const half = Math.floor(this.retentionBytes / 2);
      if (data.length > half) {
        // One burst larger than the retention: keep its newest whole lines only.
        const cut = data.indexOf(10, data.length - half - 1);
        data = cut < 0 ? Buffer.alloc(0) : data.subarray(cut + 1);
      }
      open.pending = [];
      if (open.size + data.length > half && open.size > 0) {
        closeSync(open.fd);
        renameSync(file, `${file}.1`);
        open.fd = openSync(file, 'a', 0o600);
        open.size = 0;
      }
      let offset = 0;
      while (offset < data.length) offset += writeSync(open.fd, data, offset);
      open.size += data.length;
    }
  }

  /** Matching stored lines, oldest first. */
  query(query: LogQuery): StoredLogLine[] {
    this.flush();
    const file = this.fileFor(query);
    const out: StoredLogLine[] = [];
    for (const path of [`${file}.1`, file]) {
      if (!existsSync(path)) continue;
      // Lines that do not parse (a torn last line after a crash) are skipped.
      for (const record of parseStoredLines(readFileSync(path, 'utf8'))) {
        if (query.startTime !== undefined && record.timestamp < query.startTime) continue;
        for (const line of storedLines(record)) {
          if (query.filter && !line.message.includes(query.filter)) continue;
          out.push(line);
        }
      }
    }
    return query.limit !== undefined && out.length > query.limit ? out.slice(out.length - query.limit) : out;
  }

  /** Receive new lines of a function as they are stored; returns the unsubscribe function. */
  follow(target: LogTarget, filter: string | undefined, push: (line: StoredLogLine) => void): () => void {
    const follower = { target: this.fileFor(target), filter, push };
    this.#followers.add(follower);
    return () => this.#followers.delete(follower);
  }

  /** Delete the logs of a service+stage. */
  removeService(service: string, stage: string): void {
    this.flush();
    const dir = join(this.root, safeSegment(service), safeSegment(stage));
    for (const [file, open] of this.#files) {
      if (file.startsWith(dir)) {
        closeSync(open.fd);
        this.#files.delete(file);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }

  close(): void {
    this.flush();
    for (const open of this.#files.values()) closeSync(open.fd);
    this.#files.clear();
    this.#followers.clear();
  }
}
