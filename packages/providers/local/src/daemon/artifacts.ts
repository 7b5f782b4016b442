import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Entry, ZipFile } from 'yauzl';

/** An artifact that cannot be used: unreadable, corrupt, wrong hash or unsafe entries. */
export class ArtifactError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ArtifactError';
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/**
 * The path an entry would be written to under `root`, or an error for entries that would land
 * outside it (absolute paths, drive letters, `..` segments).
 */
export function safeEntryPath(root: string, entryName: string): string {
  const name = entryName.replace(/\\/g, '/');
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name) || isAbsolute(name)) {
    throw new ArtifactError(`the zip entry "${entryName}" has an absolute path`);
  }
  if (name.split('/').includes('..')) {
    throw new ArtifactError(`the zip entry "${entryName}" escapes the artifact directory ("..")`);
  }
  const target = normalize(join(root, name));
  const rel = relative(root, target);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new ArtifactError(`the zip entry "${entryName}" escapes the artifact directory`);
  }
  return target;
}

/** Unpack `zipPath` into `dir` (which must exist), refusing unsafe entries. */
export async function extractZip(zipPath: string, dir: string): Promise<number> {
  const yauzl = await import('yauzl');
  let zip: ZipFile;
  try {
    // decodeStrings:false so that unsafe names reach our own check instead of yauzl's generic error.
    zip = await yauzl.openPromise(zipPath, { lazyEntries: true, decodeStrings: false, autoClose: true });
  } catch (error) {
    throw new ArtifactError(`cannot read the zip ${zipPath}: ${(error as Error).message}`, { cause: error });
  }
  let files = 0;
  const madeDirs = new Set<string>([dir]);
  const ensureDir = async (d: string) => {
    if (madeDirs.has(d)) return;
    await mkdir(d, { recursive: true });
    madeDirs.add(d);
  };
  try {
    await new Promise<void>((resolvePromise, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolvePromise());
      zip.on('entry', (entry: Entry) => {
        void (async () => {
          const raw = entry.fileName as unknown as Buffer | string;
          const name = typeof raw === 'string' ? raw : raw.toString('utf8');
          const target = safeEntryPath(dir, name);
          if (name.endsWith('/')) {
            await ensureDir(target);
          } else {
            const parent = target.slice(0, target.lastIndexOf(sep));
            await ensureDir(parent);
            const stream = await zip.openReadStreamPromise(entry);
            const unixMode = (entry.externalFileAttributes >>> 16) & 0o777;
            await pipeline(stream, createWriteStream(target, { mode: unixMode & 0o100 ? 0o755 : 0o644 }));
            files++;
          }
          zip.readEntry();
        })().catch(reject);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return files;
}

/** Extracted artifacts, one directory per sha256, shared by every function using them. */
export class ArtifactStore {
  readonly #pending = new Map<string, Promise<string>>();

  constructor(readonly root: string) {}

  dirFor(sha256: string): string {
    return join(this.root, sha256);
  }

  has(sha256: string): boolean {
    return existsSync(this.dirFor(sha256));
  }

  /** The directory holding the artifact, extracting it (once) when it is not there yet. */
  ensure(zipPath: string, sha256: string): Promise<string> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) return Promise.reject(new ArtifactError(`"${sha256}" is not a sha256`));
    const dir = this.dirFor(sha256);
    if (existsSync(dir)) return Promise.resolve(dir);
    let pending = this.#pending.get(sha256);
    if (!pending) {
      pending = this.#extract(zipPath, sha256, dir).finally(() => this.#pending.delete(sha256));
      this.#pending.set(sha256, pending);
    }
    return pending;
  }

  async #extract(zipPath: string, sha256: string, dir: string): Promise<string> {
    if (!existsSync(zipPath)) throw new ArtifactError(`the artifact ${zipPath} does not exist`);
    const actual = await sha256File(zipPath);
    if (actual !== sha256) {
      throw new ArtifactError(`the artifact ${zipPath} has sha256 ${actual}, expected ${sha256}`);
    }
    const tmp = join(this.root, `.tmp-${sha256.slice(0, 12)}-${randomBytes(4).toString('hex')}`);
    await mkdir(tmp, { recursive: true });
    try {
      await extractZip(zipPath, tmp);
      await rename(tmp, dir);
    } catch (error) {
      await rm(tmp, { recursive: true, force: true });
      if (existsSync(dir)) return dir;
      throw error;
    }
    return dir;
  }

  /** Delete extracted artifacts (and leftovers of interrupted extractions) not in `keep`. */
  async collect(keep: ReadonlySet<string>): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return [];
    }
    const removed: string[] = [];
    for (const name of names) {
      if (keep.has(name) || this.#pending.has(name)) continue;
      if (name.startsWith('.tmp-') && [...this.#pending.keys()].some((s) => name.startsWith(`.tmp-${s.slice(0, 12)}`)))
        continue;
      await rm(join(this.root, name), { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }
}
