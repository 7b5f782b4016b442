import { promises as fsp } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import type * as cjsLexer from 'cjs-module-lexer';
import type * as esbuild from 'esbuild';
import { packagingError } from './errors.js';
import { missingExportError, nodeTarget } from './handlers.js';
import { toPosix } from './files.js';
import { importCoreDependency } from '../core-package.js';

/** One function to bundle, or to check (copy mode). */
export interface BundleRequest {
  readonly fnKey: string;
  readonly handler: string;
  readonly runtime: string;
  /** Absolute source file of the handler. */
  readonly entry: string;
  readonly exportName: string;
}

export interface BundledFunction {
  /** Zip path of the bundle, e.g. `src/users.js` (`.mjs` for esm output). */
  readonly outName: string;
  /** Bundle and source map, zip paths. */
  readonly files: ReadonlyArray<{ readonly name: string; readonly data: Uint8Array }>;
  /** Absolute paths of every source file the bundle was built from. */
  readonly inputs: readonly string[];
  /** Packages kept out of the bundle that must be copied, with the directory importing them. */
  readonly externals: ReadonlyArray<{ readonly name: string; readonly importer: string }>;
}

/** `build.esbuild` split into what esbuild gets and what skyrun handles itself. */
export interface BundleSettings {
  readonly external: readonly string[];
  readonly exclude: readonly string[];
  readonly options: Readonly<Record<string, unknown>>;
  readonly format: 'cjs' | 'esm';
}

/** Keys skyrun sets itself; a user value would break the artifact layout. */
const RESERVED = new Set([
  'entryPoints',
  'outdir',
  'outfile',
  'outbase',
  'write',
  'metafile',
  'absWorkingDir',
  'bundle',
  'platform',
  'plugins',
  'outExtension',
  'stdin',
  'splitting',
  'watch',
]);

export function bundleSettings(
  esbuildSetting: boolean | Readonly<Record<string, unknown>> | undefined,
): BundleSettings {
  const user = typeof esbuildSetting === 'object' && esbuildSetting !== null ? esbuildSetting : {};
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(user)) {
    if (key === 'external' || key === 'exclude' || RESERVED.has(key)) continue;
    options[key] = value;
  }
  const format = user.format === 'esm' ? 'esm' : 'cjs';
  const list = (value: unknown): string[] =>
    Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  return { external: list(user.external), exclude: list(user.exclude), options, format };
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

const BUILTINS = new Set(builtinModules);

const nativeCache = new Map<string, Promise<boolean>>();

/** A package is native when it has a binding.gyp or ships `.node` binaries (outside its node_modules). */
function isNativePackage(dir: string): Promise<boolean> {
  let cached = nativeCache.get(dir);
  if (!cached) {
    cached = (async () => {
      const stack = [dir];
      let seen = 0;
      while (stack.length > 0 && seen < 5000) {
        const current = stack.pop()!;
        let entries;
        try {
          entries = await fsp.readdir(current, { withFileTypes: true });
        } catch {
          continue;
        }
        for (const entry of entries) {
          seen++;
          if (entry.isFile() && (entry.name.endsWith('.node') || (current === dir && entry.name === 'binding.gyp')))
            return true;
          if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.'))
            stack.push(path.join(current, entry.name));
        }
      }
      return false;
    })();
    nativeCache.set(dir, cached);
  }
  return cached;
}

async function findPackageDir(fromDir: string, name: string): Promise<string | undefined> {
  let dir = fromDir;
  for (;;) {
    if (path.basename(dir) !== 'node_modules') {
      const candidate = path.join(dir, 'node_modules', name);
      try {
        const real = await fsp.realpath(candidate);
        if ((await fsp.stat(real)).isDirectory()) return real;
      } catch {
        // keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

// esbuild and the lexer load on first use: a run that reuses every artifact never needs them.
let lexer: typeof cjsLexer | undefined;
async function loadTools(): Promise<typeof esbuild> {
  if (!lexer) {
    const loaded = await import('cjs-module-lexer');
    loaded.initSync();
    lexer = loaded;
  }
  return importCoreDependency<typeof esbuild>('esbuild');
}

function lexCjs(source: string): { exports: string[]; reexports: string[] } {
  try {
    return lexer!.parse(source);
  } catch {
    return { exports: [], reexports: [] };
  }
}

/** Exports of a CommonJS source file, following relative re-exports. Undefined: cannot tell. */
async function cjsExports(file: string, depth = 0): Promise<Set<string> | undefined> {
  const source = await fsp.readFile(file, 'utf8');
  const { exports, reexports } = lexCjs(source);
  const names = new Set(exports);
  for (const reexport of reexports) {
    if (!reexport.startsWith('.') || depth > 4) return undefined;
    const base = path.resolve(path.dirname(file), reexport);
    const target = await firstFile([base, `${base}.js`, `${base}.cjs`, path.join(base, 'index.js')]);
    if (!target) return undefined;
    const nested = await cjsExports(target, depth + 1);
    if (!nested) return undefined;
    for (const name of nested) names.add(name);
  }
  if (names.size === 0 && /\b(module\.)?exports\b/.test(source)) return undefined;
  return names;
}

async function firstFile(candidates: readonly string[]): Promise<string | undefined> {
  for (const candidate of candidates) {
    try {
      if ((await fsp.stat(candidate)).isFile()) return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

function metafileKey(serviceDir: string, file: string): string {
  return toPosix(path.relative(serviceDir, file));
}

async function checkExport(
  serviceDir: string,
  request: BundleRequest,
  format: string | undefined,
  outputExports: () => readonly string[],
): Promise<void> {
  let names: Set<string> | undefined;
  if (format === 'cjs') names = await cjsExports(request.entry);
  else names = new Set(outputExports());
  if (names === undefined || names.has(request.exportName)) return;
  throw missingExportError(
    request.fnKey,
    request.handler,
    metafileKey(serviceDir, request.entry),
    request.exportName,
    [...names].sort(),
  );
}

function describeEsbuildFailure(error: unknown): string {
  const failure = error as { errors?: esbuild.Message[] };
  const first = failure.errors?.[0];
  if (!first) return error instanceof Error ? error.message : String(error);
  const where = first.location ? `${first.location.file}:${first.location.line}:${first.location.column + 1}: ` : '';
  const more = (failure.errors?.length ?? 1) > 1 ? ` (and ${(failure.errors?.length ?? 1) - 1} more)` : '';
  return `${where}${first.text}${more}`;
}

/**
 * Bundles functions with esbuild: one build per Node target, one tree-shaken bundle per
 * handler file. Native addons and `external` packages stay out of the bundle and are
 * reported for copying; `exclude` packages stay out and are not copied.
 */
export async function bundleFunctions(
  serviceDir: string,
  requests: readonly BundleRequest[],
  settings: BundleSettings,
): Promise<Map<string, BundledFunction>> {
  const esbuild = await loadTools();
  const result = new Map<string, BundledFunction>();
  const byTarget = new Map<string, BundleRequest[]>();
  for (const request of requests) {
    const target =
      typeof settings.options.target === 'string' || Array.isArray(settings.options.target)
        ? 'user'
        : nodeTarget(request.runtime);
    byTarget.set(target, [...(byTarget.get(target) ?? []), request]);
  }
  const externalPatterns = settings.external.map(wildcard);
  const excludePatterns = settings.exclude.map(wildcard);
  const extension = settings.format === 'esm' ? '.mjs' : '.js';

  for (const [target, group] of byTarget) {
    const entryPoints: Record<string, string> = {};
    for (const request of group) {
      const rel = metafileKey(serviceDir, request.entry);
      entryPoints[rel.slice(0, rel.length - path.extname(rel).length)] = request.entry;
    }
    const externals = new Map<string, { name: string; importer: string }>();
    const plugin: esbuild.Plugin = {
      name: 'skyrun-externals',
      setup(build) {
        build.onResolve({ filter: /^[^./]/ }, async (args) => {
          if (args.kind === 'entry-point' || path.isAbsolute(args.path)) return undefined;
          if (args.path.startsWith('node:') || BUILTINS.has(args.path) || BUILTINS.has(packageName(args.path)))
            return undefined;
          const name = packageName(args.path);
          const matches = (patterns: RegExp[]) => patterns.some((p) => p.test(args.path) || p.test(name));
          if (matches(excludePatterns)) return { path: args.path, external: true };
          let external = matches(externalPatterns);
          if (!external) {
            const dir = await findPackageDir(args.resolveDir, name);
            external = dir !== undefined && (await isNativePackage(dir));
          }
          if (!external) return undefined;
          if (!externals.has(args.path)) externals.set(args.path, { name, importer: args.resolveDir });
          return { path: args.path, external: true };
        });
      },
    };
    let built: esbuild.BuildResult<{ write: false; metafile: true }>;
    try {
      built = await esbuild.build({
        sourcemap: true,
        sourcesContent: false,
        minify: false,
        logLevel: 'silent',
        format: settings.format,
        ...(target === 'user' ? {} : { target }),
        ...settings.options,
        entryPoints,
        bundle: true,
        platform: 'node',
        outdir: path.join(serviceDir, '.skyrun-bundle'),
        outExtension: { '.js': extension },
        write: false,
        metafile: true,
        absWorkingDir: serviceDir,
        plugins: [plugin],
      } as esbuild.BuildOptions & { write: false; metafile: true });
    } catch (error) {
      throw packagingError({
        code: 'PACKAGE_BUNDLE_FAILED',
        message: `Bundling failed: ${describeEsbuildFailure(error)}`,
        hint: 'Fix the error above, or list the package in build.esbuild.external to copy it instead of bundling it.',
        cause: error,
      });
    }
    const outRoot = path.join(serviceDir, '.skyrun-bundle');
    const files = new Map(built.outputFiles.map((file) => [toPosix(path.relative(outRoot, file.path)), file]));
    for (const request of group) {
      const rel = metafileKey(serviceDir, request.entry);
      const outName = rel.slice(0, rel.length - path.extname(rel).length) + extension;
      const output = built.metafile.outputs[`.skyrun-bundle/${outName}`];
      const code = files.get(outName);
      if (!output || !code)
        throw packagingError({ code: 'PACKAGE_BUNDLE_FAILED', message: `esbuild produced no output for ${rel}.` });
      await checkExport(serviceDir, request, built.metafile.inputs[rel]?.format, () =>
        settings.format === 'esm' ? output.exports : lexCjs(code.text).exports,
      );
      const map = files.get(`${outName}.map`);
      const inputs = Object.keys(output.inputs).map((key) => path.resolve(serviceDir, key));
      const used = new Set(output.imports.filter((i) => i.external).map((i) => i.path));
      result.set(request.fnKey, {
        outName,
        files: [
          { name: outName, data: code.contents },
          ...(map ? [{ name: `${outName}.map`, data: map.contents }] : []),
        ],
        inputs,
        externals: [...externals.entries()].filter(([specifier]) => used.has(specifier)).map(([, value]) => value),
      });
    }
  }
  return result;
}

/**
 * Copy mode: the handler file is shipped as is, but we still check that it exports the
 * handler. esbuild resolves the local import graph (packages stay external) so `export *`
 * chains are followed; when that build fails the check is skipped (the file still ships).
 */
export async function checkCopiedHandlers(
  serviceDir: string,
  requests: readonly BundleRequest[],
  debug: (message: string) => void,
): Promise<void> {
  if (requests.length === 0) return;
  const esbuild = await loadTools();
  const entries = [...new Set(requests.map((r) => r.entry))];
  let built: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    built = await esbuild.build({
      entryPoints: Object.fromEntries(entries.map((entry, i) => [`e${i}`, entry])),
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'cjs',
      write: false,
      metafile: true,
      logLevel: 'silent',
      outdir: path.join(serviceDir, '.skyrun-check'),
      absWorkingDir: serviceDir,
      loader: { '.node': 'empty', '.json': 'json' },
    });
  } catch (error) {
    debug(`Handler export check skipped: ${describeEsbuildFailure(error)}`);
    return;
  }
  const texts = new Map(built.outputFiles.map((file) => [path.basename(file.path), file.text]));
  for (const request of requests) {
    const index = entries.indexOf(request.entry);
    const rel = metafileKey(serviceDir, request.entry);
    await checkExport(
      serviceDir,
      request,
      built.metafile.inputs[rel]?.format,
      () => lexCjs(texts.get(`e${index}.js`) ?? '').exports,
    );
  }
}
