/** The main thread's side of a front worker's state record. */
export interface StateRecord {
  /** The request running now, if any. */
  readonly running: { readonly id: string; readonly cid: number; readonly startedAt: number } | null;
  /** Before a request runs. */
  begin(id: string, cid: number, startedAt: number): void;
  /** Once it is done, before its answer is written. */
  end(): void;
}

/** `write(record)` writes the state file (a fixed-size record, at offset 0). */
export function createStateRecord(sab: SharedArrayBuffer, write: (record: Buffer) => void): StateRecord;

/** The watchdog's look: copies a running request to the file; returns whether one started since the last look. */
export function createWatcher(sab: SharedArrayBuffer, write: (record: Buffer) => void): () => boolean;

/** The state record of this process, written to `fd`, with its watchdog thread. */
export function createDirectState(fd: number): Pick<StateRecord, 'begin' | 'end'>;
