import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { loadServiceFile } from '../../src/config/index.js';
import type { VariableSource } from '../../src/provider/contract.js';
import { resolveConfiguration } from '../../src/variables/resolve-configuration.js';
import type { ResolvedConfiguration } from '../../src/variables/types.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/variables');
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh temp dir holding `files` (name → content), or a copy of a fixture folder. */
export async function serviceDir(files: Record<string, string> = {}, fixture?: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'skyrun-vars-'));
  dirs.push(dir);
  if (fixture) await cp(path.join(fixtures, fixture), dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  return dir;
}

export interface RunOptions {
  options?: Record<string, unknown>;
  env?: Record<string, string | undefined>;
  providers?: Record<string, Record<string, VariableSource>>;
  files?: Record<string, string>;
  fixture?: string;
}

/** Resolve `yaml` (written as serverless.yml in a temp dir). */
export async function resolveYaml(
  yaml: string,
  run: RunOptions = {},
): Promise<ResolvedConfiguration & { dir: string; file: string }> {
  const dir = await serviceDir({ ...(yaml ? { 'serverless.yml': yaml } : {}), ...run.files }, run.fixture);
  const file = path.join(dir, 'serverless.yml');
  const document = await loadServiceFile(file);
  const providers = run.providers ?? { local: {} };
  const resolved = await resolveConfiguration({
    document,
    serviceDir: dir,
    options: run.options ?? {},
    env: run.env ?? {},
    providerSources: async (name) => providers[name],
  });
  return Object.assign(Object.create(null) as object, resolved, { dir, file, locate: resolved.locate });
}

/** The rejection of `promise`, which must reject. */
export async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}
