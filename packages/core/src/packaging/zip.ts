import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp, type ReadStream } from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipArchive } from 'archiver';

/** One entry of an artifact. */
export interface ZipInput {
  /** `/`-separated path inside the zip. */
  readonly name: string;
  readonly executable: boolean;
  /** Either a file to stream (absolute, already checked) or in-memory content. */
  readonly file?: string;
  readonly data?: Uint8Array;
}

/**
 * Every entry gets this timestamp. DOS time has no zone; archiver converts with UTC
 * getters (we never set `forceLocalTime`), so the bytes do not depend on the machine's TZ.
 */
const FIXED_DATE = new Date(Date.UTC(1980, 0, 1, 0, 0, 0));

/** Byte order of the UTF-8 names: the same on every machine and locale. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Writes a reproducible zip with archiver: entries sorted by name, one fixed timestamp,
 * modes normalised to 0644/0755, no directory entries, no extra fields (archiver adds
 * none unless zip64 is needed). The sha256 is computed while the bytes stream to disk.
 * The zip is written next to `target` and renamed, so a failed run never leaves half a zip.
 */
export async function writeZip(target: string, inputs: readonly ZipInput[], level = 9): Promise<{ size: number; sha256: string }> {
  const sorted = [...inputs].sort((a, b) => compareNames(a.name, b.name));
  const archive = new ZipArchive({ zlib: { level } });
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  await fsp.mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const written = pipeline(archive, tap, createWriteStream(temporary));
  try {
    for (const input of sorted) {
      const entry = { name: input.name, date: FIXED_DATE, mode: input.executable ? 0o755 : 0o644 };
      if (input.data !== undefined) archive.append(Buffer.from(input.data), entry);
      else if (input.file !== undefined) archive.append(new LazyFileStream(input.file), entry);
    }
    await Promise.all([archive.finalize(), written]);
    await fsp.rename(temporary, target);
  } catch (error) {
    archive.abort();
    await fsp.rm(temporary, { force: true });
    throw error;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Opens the file only when archiver starts reading it, so thousands of queued entries never hold thousands of descriptors. */
class LazyFileStream extends Readable {
  private inner?: ReadStream;

  constructor(private readonly file: string) {
    super();
  }

  override _read(): void {
    if (this.inner) {
      this.inner.resume();
      return;
    }
    const inner = createReadStream(this.file, { highWaterMark: 256 * 1024 });
    this.inner = inner;
    inner.on('data', (chunk) => {
      if (!this.push(chunk)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('error', (error) => this.destroy(error));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner?.destroy();
    callback(error);
  }
}

/** sha256 and size of an existing file (prebuilt artifacts). */
export async function hashFile(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Number of entries of a zip, read from its end-of-central-directory record. */
export async function countZipEntries(file: string): Promise<number | undefined> {
  const handle = await fsp.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 22 + 0xffff);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    for (let i = length - 22; i >= 0; i--) {
      if (buffer.readUInt32LE(i) === 0x06054b50) return buffer.readUInt16LE(i + 10);
    }
    return undefined;
  } finally {
    await handle.close();
  }
}
