/** Raised when a lock cannot be taken in time. */
export class LockTimeoutError extends Error {
  constructor(readonly key: string) {
    super(`timed out waiting for ${key}`);
    this.name = 'LockTimeoutError';
  }
}

/** FIFO mutexes by key: the second caller waits for the first, or gives up after a timeout. */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();
  readonly #held = new Set<string>();

  isHeld(key: string): boolean {
    return this.#held.has(key);
  }

  async run<T>(key: string, timeoutMs: number, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const acquired = await Promise.race([
      previous.then(() => true),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!acquired) {
      timedOut = true;
      // Let later waiters proceed once the holder ahead of us is done; we never run.
      release();
      this.#cleanup(key, tail);
      throw new LockTimeoutError(key);
    }
    this.#held.add(key);
    try {
      return await task();
    } finally {
      this.#held.delete(key);
      if (!timedOut) release();
      this.#cleanup(key, tail);
    }
  }

  #cleanup(key: string, tail: Promise<void>): void {
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
  }
}
