import { spawnSync } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yauzl from 'yauzl';
import { afterEach, describe, expect, it } from 'vitest';
import { countZipEntries, writeZip, type ZipInput } from '../../src/packaging/zip.js';
import { cleanTemporaries, readZip, tempDir } from './helpers.js';

afterEach(cleanTemporaries);

const hasUnzip = spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status === 0;

/** `unzip -tq` checks every CRC and size. Only called from tests skipped without the tool. */
function unzipTest(file: string): void {
  const result = spawnSync('unzip', ['-tq', file], { encoding: 'utf8' });
  expect(result.stdout + result.stderr).toContain('No errors detected');
  expect(result.status).toBe(0);
}

function entryCount(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      resolve(zip.entryCount);
      zip.close();
    });
  });
}

const text = (s: string): Uint8Array => Buffer.from(s);

describe('writeZip', () => {
  it('writes sorted entries, stored or deflated, with fixed times, modes and no extra fields', async () => {
    const dir = tempDir();
    const noise = randomBytes(4096);
    const repetitive = Buffer.from('hello skyrun\n'.repeat(5000));
    writeFileSync(path.join(dir, 'big.txt'), repetitive);
    const inputs: ZipInput[] = [
      { name: 'z/last.js', data: text('module.exports = 1;\n'), executable: false },
      { name: 'bin/run', data: text('#!/bin/sh\necho hi\n'), executable: true },
      { name: 'empty.txt', data: new Uint8Array(0), executable: false },
      { name: 'noise.bin', data: noise, executable: false },
      { name: 'big.txt', file: path.join(dir, 'big.txt'), executable: false },
      { name: 'dé/ünïcode.txt', data: text('utf-8 name'), executable: false },
    ];
    const target = path.join(dir, 'out', 'a.zip');
    const { size, sha256 } = await writeZip(target, inputs);
    const bytes = readFileSync(target);
    expect(bytes.length).toBe(size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha256);

    const entries = await readZip(target);
    expect([...entries.keys()]).toEqual([
      'big.txt',
      'bin/run',
      'dé/ünïcode.txt',
      'empty.txt',
      'noise.bin',
      'z/last.js',
    ]);
    expect(entries.get('big.txt')!.data.equals(repetitive)).toBe(true);
    expect(entries.get('noise.bin')!.data.equals(noise)).toBe(true);
    expect(entries.get('empty.txt')!.data.length).toBe(0);
    expect(entries.get('bin/run')!.mode).toBe(0o755);
    expect(entries.get('z/last.js')!.mode).toBe(0o644);
    for (const entry of entries.values()) {
      expect(entry.extraFieldLength).toBe(0);
      expect([entry.date.getFullYear(), entry.date.getMonth(), entry.date.getDate(), entry.date.getHours()]).toEqual([
        1980, 0, 1, 0,
      ]);
    }
    // First local header (APPNOTE 4.3.7): version 2.0, UTF-8 flag, deflate, DOS 1980-01-01 00:00, no extra.
    expect(bytes.readUInt32LE(0)).toBe(0x04034b50);
    expect([bytes.readUInt16LE(4), bytes.readUInt16LE(6), bytes.readUInt16LE(8)]).toEqual([20, 0x0800, 8]);
    expect([bytes.readUInt16LE(10), bytes.readUInt16LE(12), bytes.readUInt16LE(28)]).toEqual([0, 0x21, 0]);
    // Incompressible data is stored (method 0), not inflated by deflate.
    const at = bytes.indexOf(Buffer.from('noise.bin'));
    expect(bytes.readUInt16LE(at - 30 + 8)).toBe(0);
    expect(await countZipEntries(target)).toBe(6);
    if (hasUnzip) unzipTest(target);

    const again = await writeZip(path.join(dir, 'b.zip'), [...inputs].reverse());
    expect(again.sha256).toBe(sha256);
  });

  it('streams files larger than memory reads, with a correct CRC', async () => {
    const dir = tempDir();
    const chunk = Buffer.concat([randomBytes(1024), Buffer.alloc(3072, 'a')]);
    const big = Buffer.concat(Array.from({ length: 9 * 1024 }, () => chunk));
    writeFileSync(path.join(dir, 'large.bin'), big);
    const target = path.join(dir, 'large.zip');
    await writeZip(target, [
      { name: 'large.bin', file: path.join(dir, 'large.bin'), size: big.length, executable: false },
      { name: 'small.txt', data: text('small'), executable: false },
    ]);
    const entries = await readZip(target);
    expect(entries.get('large.bin')!.data.equals(big)).toBe(true);
    if (hasUnzip) unzipTest(target);
  });

  it('writes ZIP64 sizes, offsets and end records when they overflow', async () => {
    const dir = tempDir();
    const inputs: ZipInput[] = Array.from({ length: 5 }, (_, i) => ({
      name: `f${i}.txt`,
      data: text(`file ${i} `.repeat(40)),
      executable: false,
    }));
    const target = path.join(dir, 'z64.zip');
    // Every size and offset from 64 bytes on counts as overflowing: the ZIP64 layout with small data.
    await writeZip(target, inputs, { zip64Threshold: 64 });
    const bytes = readFileSync(target);
    expect(bytes.readUInt16LE(4)).toBe(45);
    expect(bytes.readUInt32LE(22)).toBe(0xffffffff);
    expect(bytes.indexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBeGreaterThan(0);
    expect(bytes.indexOf(Buffer.from([0x50, 0x4b, 0x06, 0x07]))).toBeGreaterThan(0);
    const entries = await readZip(target);
    expect([...entries.keys()]).toEqual(inputs.map((i) => i.name));
    for (const input of inputs) expect(entries.get(input.name)!.data.equals(Buffer.from(input.data!))).toBe(true);
    if (hasUnzip) unzipTest(target);
  });

  it('writes a ZIP64 end record for 65,535 entries or more', async () => {
    const dir = tempDir();
    const inputs: ZipInput[] = Array.from({ length: 65_540 }, (_, i) => ({
      name: `e/${i}`,
      data: new Uint8Array(0),
      executable: false,
    }));
    const target = path.join(dir, 'many.zip');
    await writeZip(target, inputs);
    expect(await entryCount(target)).toBe(65_540);
    expect(await countZipEntries(target)).toBe(65_540);
    if (hasUnzip) unzipTest(target);
  }, 60_000);
});

// The same archives checked by Info-ZIP's own reader; needs `unzip` on PATH.
describe.skipIf(!hasUnzip)('writeZip output passes unzip -t (skipped: the unzip tool is not installed)', () => {
  it('tests every CRC of a deflated and stored mix, and of ZIP64 archives', async () => {
    const dir = tempDir();
    const mixed = path.join(dir, 'mixed.zip');
    await writeZip(mixed, [
      { name: 'a.txt', data: text('a'.repeat(10_000)), executable: false },
      { name: 'b.bin', data: randomBytes(2048), executable: true },
      { name: 'c.txt', data: new Uint8Array(0), executable: false },
    ]);
    unzipTest(mixed);
    const wide = path.join(dir, 'wide.zip');
    await writeZip(
      wide,
      [
        { name: 'x.txt', data: text('x '.repeat(500)), executable: false },
        { name: 'y.txt', data: text('y'), executable: false },
      ],
      {
        zip64Threshold: 16,
      },
    );
    unzipTest(wide);
  });
});
