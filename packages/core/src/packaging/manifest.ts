import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { PackageManifest } from './types.js';

export const MANIFEST_FILE = 'manifest.json';

/** The manifest in `dir`, or undefined when there is none or it is not a skyrun v1 manifest. */
export async function readPackageManifest(dir: string): Promise<PackageManifest | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<PackageManifest>;
    if (parsed.version !== 1 || !Array.isArray(parsed.artifacts) || typeof parsed.functions !== 'object')
      return undefined;
    return parsed as PackageManifest;
  } catch {
    return undefined;
  }
}

export async function writePackageManifest(dir: string, manifest: PackageManifest): Promise<string> {
  const file = path.join(dir, MANIFEST_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`);
  await fsp.rename(temporary, file);
  return file;
}
