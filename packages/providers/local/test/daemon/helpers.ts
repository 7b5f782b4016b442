import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZipArchive } from 'archiver';
import type { DeployRequest, DesiredFunction } from '../../src/daemon/protocol.js';

export function tempDir(prefix = 'skyrun-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Build a zip with `archiver` from a name → content map; returns its path and sha256. */
export async function buildZip(
  dir: string,
  name: string,
  files: Record<string, string>,
): Promise<{ path: string; sha256: string }> {
  const path = join(dir, `${name}.zip`);
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(path);
    const zip = new ZipArchive({ zlib: { level: 1 } });
    out.on('close', () => resolve());
    zip.on('error', reject);
    zip.pipe(out);
    for (const [file, content] of Object.entries(files)) zip.append(content, { name: file, date: new Date(0) });
    void zip.finalize();
  });
  return { path, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
}

export function fn(
  key: string,
  artifact: { path: string; sha256: string },
  extra: Partial<DesiredFunction> = {},
): DesiredFunction {
  return {
    key,
    name: `svc-dev-${key}`,
    handler: 'index.handler',
    runtime: 'nodejs20.x',
    environment: {},
    timeoutMs: 6000,
    memorySize: 1024,
    artifact,
    routes: [],
    schedules: [],
    ...extra,
  };
}

export function request(functions: DesiredFunction[], extra: Partial<DeployRequest> = {}): DeployRequest {
  return { service: 'svc', stage: 'dev', mode: 'service', functions, ...extra };
}

export async function httpGet(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}
