import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yauzl from 'yauzl';
import type { FunctionSpec, PackageSettings, Service } from '../../src/service/model.js';
import type { ProgressReporter } from '../../src/output/progress.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/packaging');
const temporaries: string[] = [];

export function tempDir(prefix = 'skyrun-pkg-'): string {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
  temporaries.push(dir);
  return dir;
}

export function cleanTemporaries(): void {
  for (const dir of temporaries.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Copies fixture `name` into a fresh temp dir (optionally under `sub`) and returns the service dir. */
export function copyFixture(name: string, into = tempDir(), sub = ''): string {
  const target = path.join(into, sub);
  mkdirSync(target, { recursive: true });
  cpSync(path.join(fixtures, name), target, { recursive: true });
  return target;
}

export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

/** Writes a fake installed package `dir` (its package.json plus files). */
export function writePackage(
  dir: string,
  name: string,
  options: { version?: string; dependencies?: Record<string, string>; files?: Record<string, string> } = {},
): void {
  writeFiles(dir, {
    'package.json': JSON.stringify({
      name,
      version: options.version ?? '1.0.0',
      main: 'index.js',
      dependencies: options.dependencies,
    }),
    'index.js': `module.exports = { name: ${JSON.stringify(name)}, version: ${JSON.stringify(options.version ?? '1.0.0')} };\n`,
    ...options.files,
  });
}

export function link(target: string, at: string): void {
  mkdirSync(path.dirname(at), { recursive: true });
  symlinkSync(path.relative(path.dirname(at), target), at);
}

export function fn(key: string, handler: string | undefined, extra: Partial<FunctionSpec> = {}): FunctionSpec {
  return {
    key,
    name: `svc-dev-${key}`,
    handler,
    runtime: 'nodejs20.x',
    memorySize: 1024,
    timeout: 6,
    environment: {},
    events: [],
    package: { patterns: [] },
    raw: {},
    ...extra,
  };
}

export function makeService(
  serviceDir: string,
  options: {
    name?: string;
    functions?: FunctionSpec[];
    package?: Partial<PackageSettings>;
    esbuild?: boolean | Record<string, unknown>;
    useDotenv?: boolean;
    custom?: Record<string, unknown>;
    runtime?: string;
  } = {},
): Service {
  const functions = options.functions ?? [fn('hello', 'handler.hello')];
  return {
    name: options.name ?? 'svc',
    stage: 'dev',
    provider: {
      name: 'local',
      stage: 'dev',
      runtime: options.runtime ?? 'nodejs20.x',
      memorySize: 1024,
      timeout: 6,
      environment: {},
      raw: {},
    },
    functions: Object.fromEntries(functions.map((f) => [f.key, f])),
    package: { individually: false, patterns: [], excludeDevDependencies: true, ...options.package },
    build: options.esbuild === undefined ? {} : { esbuild: options.esbuild },
    custom: options.custom ?? {},
    plugins: [],
    useDotenv: options.useDotenv ?? false,
    serviceDir,
    configFile: path.join(serviceDir, 'serverless.yml'),
    config: {},
  };
}

export interface Recorded extends ProgressReporter {
  readonly warnings: string[];
  readonly steps: string[];
}

export function recorder(): Recorded {
  const warnings: string[] = [];
  const steps: string[] = [];
  return {
    warnings,
    steps,
    step(title) {
      steps.push(title);
      return { done() {}, fail() {} };
    },
    info() {},
    warn(message) {
      warnings.push(message);
    },
    debug() {},
  };
}

export interface ZipEntryInfo {
  readonly data: Buffer;
  readonly mode: number;
  readonly extraFieldLength: number;
  readonly date: Date;
}

/** Reads every entry of a zip, in archive order. */
export function readZip(file: string): Promise<Map<string, ZipEntryInfo>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const entries = new Map<string, ZipEntryInfo>();
      zip.on('error', reject);
      zip.on('end', () => resolve(entries));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            entries.set(entry.fileName, {
              data: Buffer.concat(chunks),
              mode: (entry.externalFileAttributes >>> 16) & 0o7777,
              extraFieldLength: entry.extraFieldLength,
              date: entry.getLastModDate(),
            });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

export async function zipNames(file: string): Promise<string[]> {
  return [...(await readZip(file)).keys()];
}
