import { statSync, type Stats } from 'node:fs';

/** `size:mtime:x` of a path (following symlinks), or `missing`. */
export function signature(stat: Pick<Stats, 'size' | 'mtimeMs' | 'mode'> | undefined): string {
  return stat ? `${stat.size}:${stat.mtimeMs}:${(stat.mode & 0o100) !== 0 ? 1 : 0}` : 'missing';
}

export function statSignature(file: string): string {
  return signature(statSync(file, { throwIfNoEntry: false }));
}

/**
 * Everything a packaging run looked at, each with the signature it had when it was looked
 * at: directories before they were listed, files as they were read, lookups that found
 * nothing. If every path still has its signature, the run would see the same inputs again.
 * A directory's mtime changes when an entry is added, removed or renamed (symlinks
 * retargeted included); a file's size or mtime when its content is written.
 */
export class WatchList {
  private readonly entries = new Map<string, string>();

  /** Records `file` as it is now (first observation wins). */
  observe(file: string): void {
    if (!this.entries.has(file)) this.entries.set(file, statSignature(file));
  }

  /** Records a signature taken earlier (e.g. during a walk). */
  record(file: string, sig: string): void {
    if (!this.entries.has(file)) this.entries.set(file, sig);
  }

  toJSON(): Array<[string, string]> {
    return [...this.entries];
  }
}

/** True when every recorded path still has its signature: one stat per path, no reads. */
export function isUnchanged(entries: ReadonlyArray<readonly [string, string]>): boolean {
  for (const [file, sig] of entries) {
    if (statSignature(file) !== sig) return false;
  }
  return true;
}
