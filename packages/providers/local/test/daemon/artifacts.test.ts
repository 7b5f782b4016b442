import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactStore, safeEntryPath } from '../../src/daemon/artifacts.js';
import { startDaemonServer } from '../../src/daemon/server.js';
import { createFakeDataPlane } from './fake-data-plane.js';
import { buildZip, fn, request, tempDir } from './helpers.js';
import { createHash } from 'node:crypto';

/** archiver strips `../` and leading `/` from names, so unsafe names are patched into the bytes. */
async function zipWithName(dir: string, name: string, placeholder: string, unsafe: string) {
  expect(placeholder.length).toBe(unsafe.length);
  const built = await buildZip(dir, name, { 'behaviour.json': '{}', [placeholder]: 'pwned' });
  const bytes = readFileSync(built.path);
  const from = Buffer.from(placeholder);
  let at = bytes.indexOf(from);
  let count = 0;
  while (at >= 0) {
    Buffer.from(unsafe).copy(bytes, at);
    count++;
    at = bytes.indexOf(from, at + 1);
  }
  expect(count).toBe(2); // local header + central directory
  writeFileSync(built.path, bytes);
  return { path: built.path, sha256: createHash('sha256').update(bytes).digest('hex') };
}

describe('artifacts', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('extracts a zip once per sha256', async () => {
    const store = new ArtifactStore(join(tmp.dir, 'artifacts'));
    const zip = await buildZip(tmp.dir, 'a', { 'index.js': 'exports.handler = 1', 'lib/deep/util.js': 'x' });
    const [d1, d2] = await Promise.all([store.ensure(zip.path, zip.sha256), store.ensure(zip.path, zip.sha256)]);
    expect(d1).toBe(d2);
    expect(readFileSync(join(d1, 'lib/deep/util.js'), 'utf8')).toBe('x');
    expect(readdirSync(join(tmp.dir, 'artifacts'))).toEqual([zip.sha256]);
    const mtime = statSync(join(d1, 'index.js')).mtimeMs;
    await store.ensure(zip.path, zip.sha256);
    expect(statSync(join(d1, 'index.js')).mtimeMs).toBe(mtime);
  });

  it('rejects a zip whose sha256 does not match', async () => {
    const store = new ArtifactStore(join(tmp.dir, 'artifacts'));
    const zip = await buildZip(tmp.dir, 'a', { 'index.js': '' });
    await expect(store.ensure(zip.path, 'f'.repeat(64))).rejects.toThrow(/expected f{64}/);
  });

  it.each([
    ['a `..` entry', 'xx/evil.js', '../evil.js', /escapes the artifact directory/],
    ['a nested `..` entry', 'a/xx/xx/evil.js', 'a/../../evil.js', /escapes the artifact directory/],
    ['an absolute entry', '_tmp_evil.js', '/tmp/evil.js', /absolute path/],
    ['a drive-letter entry', 'cx/evil.js', 'c:/evil.js', /absolute path/],
  ])('rejects %s and writes nothing outside', async (_label, placeholder, unsafe, message) => {
    const store = new ArtifactStore(join(tmp.dir, 'store', 'artifacts'));
    const zip = await zipWithName(tmp.dir, 'evil', placeholder, unsafe);
    await expect(store.ensure(zip.path, zip.sha256)).rejects.toThrow(message);
    expect(existsSync(join(tmp.dir, 'store', 'evil.js'))).toBe(false);
    expect(existsSync(join(tmp.dir, 'evil.js'))).toBe(false);
    expect(readdirSync(join(tmp.dir, 'store', 'artifacts'))).toEqual([]);
  });

  it('safeEntryPath keeps normal names inside the root', () => {
    expect(safeEntryPath('/r', 'a/b.js')).toBe('/r/a/b.js');
    expect(safeEntryPath('/r', 'a/./b.js')).toBe('/r/a/b.js');
    expect(() => safeEntryPath('/r', 'a\\..\\..\\b.js')).toThrow(/escapes/);
  });

  it('a deploy with an unsafe artifact fails with LOCAL_ARTIFACT_INVALID', async () => {
    const plane = createFakeDataPlane();
    const server = await startDaemonServer({
      home: join(tmp.dir, 'home'),
      port: 0,
      dataPlane: plane,
      report: () => {},
    });
    try {
      const zip = await zipWithName(tmp.dir, 'evil', 'xx/evil.js', '../evil.js');
      await expect(server.daemon.deploy(request([fn('a', zip)]))).rejects.toMatchObject({
        code: 'LOCAL_ARTIFACT_INVALID',
        message: expect.stringMatching(/function "a" cannot be used: .*escapes/),
      });
      expect(plane.engine.prepared).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
