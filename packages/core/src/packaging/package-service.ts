import { createHash } from 'node:crypto';
import { statSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Artifact } from '../provider/contract.js';
import type { FunctionSpec, Service } from '../service/model.js';
import {
  bundleFunctions,
  bundleSettings,
  checkCopiedHandlers,
  type BundledFunction,
  type BundleRequest,
} from './bundle.js';
import { packagingError } from './errors.js';
import {
  applyPatterns,
  checkPatterns,
  createDirectoryPruner,
  DEFAULT_EXCLUDES,
  everyPruner,
  isInside,
  toPosix,
  walkFiles,
  type FileEntry,
} from './files.js';
import {
  findNodeHandlerFile,
  findPythonHandlerFile,
  missingExportError,
  parseHandler,
  pythonDefines,
  runtimeFamily,
  TYPESCRIPT_EXTENSIONS,
  type RuntimeFamily,
} from './handlers.js';
import { readPackageManifest, writePackageManifest } from './manifest.js';
import {
  clearPackageJsonCache,
  collectDependencies,
  isAllowedDependencyPath,
  rootDependencyNames,
  type DependencyRoot,
} from './node-deps.js';
import {
  findRequirements,
  installRequirements,
  isRequirementsCached,
  pipArgs,
  skipPipDir,
  skipPipFile,
  type Requirements,
} from './python.js';
import type {
  ManifestArtifact,
  ManifestFunction,
  PackageManifest,
  PackageOptions,
  PackageResult,
  PackageSummaryRow,
  PackageWrapper,
} from './types.js';
import { isUnchanged, statSignature, WatchList } from './watch.js';
import { countZipEntries, DEFAULT_LEVEL, hashFile, writeZip, type ZipInput } from './zip.js';
import { coreVersion } from '../core-package.js';

const SKYRUN_VERSION = coreVersion();

/** Bumped when the artifact layout changes, so old caches are not reused. */
const LAYOUT_VERSION = 2;
const ZLIB_LEVEL = Number(process.env.SKYRUN_ZIP_LEVEL ?? DEFAULT_LEVEL);
const CACHE_INDEX = 'inputs.json';
const RUN_RECORD = 'last-run.json';

interface FunctionPlan {
  readonly fn: FunctionSpec;
  readonly family: RuntimeFamily;
  readonly mode: 'bundle' | 'copy';
  /** Absolute handler source (node, python). */
  readonly entry?: string;
  readonly exportName?: string;
}

interface PlannedArtifact {
  readonly file: string;
  readonly functions: readonly FunctionSpec[];
  readonly individually: boolean;
  readonly prebuilt?: string;
}

interface BuildState {
  readonly planned: PlannedArtifact;
  readonly plans: readonly FunctionPlan[];
  readonly patterns: readonly string[];
  readonly selected: readonly FileEntry[];
  readonly requirements?: Requirements;
  readonly wrapperFiles: readonly ZipInput[];
  readonly settingsKey: string;
}

function byName<T>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

async function statKey(file: string): Promise<string> {
  try {
    const stat = await fsp.stat(file);
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** Runs `tasks` with at most `limit` in flight, preserving result order. */
async function pool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Plans, builds (or reuses) and records every artifact of `service`. */
export async function packageService(options: PackageOptions): Promise<PackageResult> {
  const { service, progress } = options;
  const env = options.env ?? process.env;
  const serviceDir = await fsp.realpath(path.resolve(service.serviceDir));
  const outDir = path.resolve(options.outDir ?? path.join(serviceDir, '.serverless'));
  await fsp.mkdir(outDir, { recursive: true });
  const realOutDir = await fsp.realpath(outDir);
  const cacheDir = path.join(realOutDir, '.skyrun-cache');
  clearPackageJsonCache();

  const warned = new Set<string>();
  const warn = (message: string): void => {
    if (warned.has(message)) return;
    warned.add(message);
    progress.warn(message);
  };

  checkPatterns(service.package.patterns, 'package.patterns');
  const functions = Object.values(service.functions).sort(byName((fn) => fn.key));
  for (const fn of functions) checkPatterns(fn.package.patterns, `functions.${fn.key}.package.patterns`);
  const pipArguments = pipArgs(service.custom, env);
  const wrappers = options.wrappers ?? [];

  // No-change path: same settings and every path the last run looked at has the same
  // signature → the same artifacts. One stat per path; no reads, no walk, no esbuild.
  const runKey = await computeRunKey(service, functions, wrappers, realOutDir, pipArguments, env);
  const fast = options.force ? undefined : await readRunRecord(cacheDir);
  if (fast && fast.key === runKey && isUnchanged(fast.watch)) {
    const planned = planArtifacts(service, functions, () => undefined);
    const byFile = new Map(fast.artifacts.map((a) => [a.file, a.record]));
    if (planned.every((a) => byFile.has(a.file))) {
      for (const message of fast.warnings) warn(message);
      progress.debug('Reused every artifact (no input changed)');
      const results = new Map(planned.map((a) => [a.file, { record: byFile.get(a.file)!, cached: true }]));
      return finishRun(service, realOutDir, planned, results, wrappers);
    }
  }
  // A failed run must not leave the last record in place (it would describe old artifacts).
  await fsp.rm(path.join(cacheDir, RUN_RECORD), { force: true });
  const watch = new WatchList();
  const observe = (file: string): void => watch.observe(file);

  const previous = options.force ? undefined : await readPackageManifest(realOutDir);
  const cacheIndex = options.force ? {} : await readCacheIndex(cacheDir);
  const bundle = bundleSettings(service.build.esbuild);

  const planned = planArtifacts(service, functions, warn);
  for (const artifact of planned) if (artifact.prebuilt) observe(artifact.prebuilt);

  const built = planned.filter((a) => !a.prebuilt);
  const plans = new Map<string, FunctionPlan>();
  for (const artifact of built) {
    for (const fn of artifact.functions) plans.set(fn.key, await planFunction(service, serviceDir, fn, observe));
  }

  const outRel = isInside(serviceDir, realOutDir) ? toPosix(path.relative(serviceDir, realOutDir)) : undefined;
  const excludes = [
    ...DEFAULT_EXCLUDES,
    toPosix(path.relative(serviceDir, service.configFile)),
    ...(service.useDotenv ? ['.env*'] : []),
    ...(outRel ? [`${outRel}/**`] : []),
  ].map((p) => `!${p}`);

  interface Selection {
    readonly planned: PlannedArtifact;
    readonly plans: readonly FunctionPlan[];
    readonly userPatterns: readonly string[];
    readonly patterns: readonly string[];
    readonly hasCopy: boolean;
    readonly usesSource: boolean;
    readonly usesDependencies: boolean;
    /** True for a directory (service-relative) below which this artifact selects nothing. */
    readonly prune: (rel: string) => boolean;
  }
  const selections: Selection[] = built.map((artifact) => {
    const artifactPlans = artifact.functions.map((fn) => plans.get(fn.key)!);
    const userPatterns = [
      ...service.package.patterns,
      ...(artifact.individually ? artifact.functions.flatMap((fn) => fn.package.patterns) : []),
    ];
    const patterns = [...excludes, ...userPatterns];
    const hasCopy = artifactPlans.some((p) => p.mode === 'copy');
    const hasPositive = userPatterns.some((p) => !p.startsWith('!'));
    return {
      planned: artifact,
      plans: artifactPlans,
      userPatterns,
      patterns,
      hasCopy,
      usesSource: hasCopy || hasPositive,
      usesDependencies: artifactPlans.some((p) => p.mode === 'copy' && p.family === 'node'),
      prune: createDirectoryPruner(patterns, hasCopy),
    };
  });

  // Directories no artifact can select from are never walked (e.g. everything but
  // `example/**` after `!**`); node_modules is reached only through the dependency closure.
  const pruneSource = everyPruner(selections.filter((s) => s.usesSource).map((s) => s.prune));
  let sourceFiles: Promise<FileEntry[]> | undefined;
  const source = (): Promise<FileEntry[]> =>
    (sourceFiles ??= walkFiles({
      root: serviceDir,
      zipPrefix: '',
      initial: true,
      skipDir: (rel, name) => name === 'node_modules' || rel === '.git' || rel === outRel || pruneSource(rel),
      watch,
      allowTarget: (real) => isInside(serviceDir, real) && !isInside(realOutDir, real),
      onRejectedLink: (rel, target) =>
        warn(`Skipped the symlink ${rel}: it points outside the service directory (${target}).`),
    }));
  const pruneDependencies = everyPruner(selections.filter((s) => s.usesDependencies).map((s) => s.prune));
  const dependencyFiles = new Map<string, Promise<FileEntry[]>>();
  const dependencies = (manifests: readonly FileEntry[], rootManifest: boolean): Promise<FileEntry[]> => {
    const key = JSON.stringify([rootManifest, manifests.map((m) => m.zipPath)]);
    let files = dependencyFiles.get(key);
    if (!files) {
      files = collectServiceDependencies(service, serviceDir, manifests, rootManifest, pruneDependencies, warn, watch);
      dependencyFiles.set(key, files);
    }
    return files;
  };

  const states: BuildState[] = [];
  for (const {
    planned: artifact,
    plans: artifactPlans,
    userPatterns,
    patterns,
    hasCopy,
    usesSource,
    usesDependencies,
    prune,
  } of selections) {
    const candidates: FileEntry[] = [];
    if (usesSource) {
      const files = await source();
      candidates.push(...(hasCopy ? files : files.map((f) => ({ ...f, initial: false }))));
    }
    const selectedSource = applyPatterns(candidates, patterns);
    let selected = selectedSource;
    if (usesDependencies) {
      // Only package.json files the artifact ships declare dependencies, plus the service's
      // own package.json when its node_modules can be selected at all.
      const manifests = selectedSource.filter(
        (f) => f.zipPath !== 'package.json' && f.zipPath.endsWith('/package.json'),
      );
      const rootManifest = !prune('node_modules');
      const files = await dependencies(manifests, rootManifest);
      if (files.length > 0) selected = [...selectedSource, ...applyPatterns(files, patterns)];
    }
    selected.sort(byName((f) => f.zipPath));
    if (hasCopy && selected.length === 0) {
      throw packagingError({
        code: 'PACKAGE_EMPTY',
        message: `No file of the service matches the package patterns for ${artifact.file}: ${userPatterns.length > 0 ? userPatterns.join(', ') : '(none)'}.`,
        hint: 'Check package.patterns (and functions.<name>.package.patterns): patterns apply in order and "!" excludes. Default excludes: .git, .serverless, the service file, logs.',
      });
    }
    const selectedNames = new Set(selected.map((f) => f.zipPath));
    for (const plan of artifactPlans) {
      if (plan.mode !== 'copy' || !plan.entry) continue;
      const rel = toPosix(path.relative(serviceDir, plan.entry));
      if (!selectedNames.has(rel)) {
        throw packagingError({
          code: 'PACKAGE_HANDLER_EXCLUDED',
          message: `The handler file ${rel} of function "${plan.fn.key}" is excluded by the package patterns: ${userPatterns.join(', ') || '(defaults)'}.`,
          hint: `Add "${rel}" to package.patterns, or remove the pattern that excludes it.`,
        });
      }
    }
    const requirements = artifactPlans.some((p) => p.family === 'python')
      ? await findRequirements(serviceDir, artifactPlans.find((p) => p.family === 'python')!.fn.runtime, pipArguments)
      : undefined;
    const wrapperFiles: ZipInput[] = [];
    for (const fn of artifact.functions) {
      for (const wrapper of wrappers) {
        for (const extra of await wrapper.files(fn, service)) {
          wrapperFiles.push({
            name: extra.path.replace(/^\.?\//, ''),
            executable: extra.executable === true,
            data: typeof extra.content === 'string' ? Buffer.from(extra.content) : extra.content,
          });
        }
      }
    }
    const settingsKey = JSON.stringify({
      skyrun: SKYRUN_VERSION,
      layout: LAYOUT_VERSION,
      level: ZLIB_LEVEL,
      file: artifact.file,
      patterns,
      esbuild: artifactPlans.some((p) => p.mode === 'bundle') ? (service.build.esbuild ?? null) : null,
      functions: artifactPlans.map((p) => [p.fn.key, p.fn.handler, p.fn.runtime, p.mode]),
      wrappers: wrappers.map((w) => w.id),
      requirements: requirements?.key ?? null,
    });
    for (const file of selected) watch.record(file.absPath, `${file.size}:${file.mtimeMs}:${file.executable ? 1 : 0}`);
    if (artifactPlans.some((p) => p.family === 'python')) observe(path.join(serviceDir, 'requirements.txt'));
    states.push({
      planned: artifact,
      plans: artifactPlans,
      patterns,
      selected,
      requirements,
      wrapperFiles,
      settingsKey,
    });
  }

  const inputHash = async (state: BuildState, recordedInputs: readonly string[]): Promise<string> => {
    const hash = createHash('sha256').update(state.settingsKey);
    for (const file of state.selected)
      hash.update(`\n${file.zipPath}\0${file.size}\0${file.mtimeMs}\0${file.executable ? 1 : 0}`);
    for (const file of state.wrapperFiles)
      hash.update(
        `\nw:${file.name}\0${createHash('sha256')
          .update(file.data ?? '')
          .digest('hex')}`,
      );
    if (recordedInputs.length > 0) {
      const dirs = [...new Set(recordedInputs.map((f) => path.dirname(f)))].sort();
      const keys = await Promise.all([...recordedInputs, ...dirs].map(statKey));
      [...recordedInputs, ...dirs].forEach((file, i) => {
        hash.update(`\ni:${file}\0${keys[i]}`);
        observe(file);
      });
    }
    return hash.digest('hex');
  };

  const previousByPath = new Map((previous?.artifacts ?? []).map((a) => [a.path, a]));
  const results = new Map<string, { record: ManifestArtifact; cached: boolean; inputs?: string[] }>();
  const toBuild: BuildState[] = [];
  for (const state of states) {
    const rel = state.planned.file;
    const hasBundle = state.plans.some((p) => p.mode === 'bundle');
    const recorded = hasBundle ? (cacheIndex[state.planned.file] ?? []) : [];
    const hash = hasBundle && recorded.length === 0 ? undefined : await inputHash(state, recorded);
    const old = previousByPath.get(rel);
    if (
      hash &&
      old &&
      old.inputHash === hash &&
      (await statKey(path.join(realOutDir, rel))).startsWith(`${old.size}:`)
    ) {
      results.set(state.planned.file, {
        record: { ...old, functions: state.planned.functions.map((fn) => fn.key) },
        cached: true,
        inputs: recorded.length > 0 ? [...recorded] : undefined,
      });
      progress.debug(`Reused ${state.planned.file} (inputs unchanged)`);
    } else {
      toBuild.push(state);
    }
  }

  const bundled = new Map<string, BundledFunction>();
  const bundleRequests: BundleRequest[] = [];
  const copyChecks: BundleRequest[] = [];
  for (const state of toBuild) {
    for (const plan of state.plans) {
      if (!plan.entry || !plan.exportName || plan.family !== 'node') continue;
      const request = {
        fnKey: plan.fn.key,
        handler: plan.fn.handler!,
        runtime: plan.fn.runtime,
        entry: plan.entry,
        exportName: plan.exportName,
      };
      const list = plan.mode === 'bundle' ? bundleRequests : copyChecks;
      if (!list.some((r) => r.fnKey === request.fnKey)) list.push(request);
    }
    for (const plan of state.plans) {
      if (plan.family !== 'python' || !plan.entry || !plan.exportName) continue;
      if (!pythonDefines(await fsp.readFile(plan.entry, 'utf8'), plan.exportName)) {
        throw missingExportError(
          plan.fn.key,
          plan.fn.handler!,
          toPosix(path.relative(serviceDir, plan.entry)),
          plan.exportName,
          [],
        );
      }
    }
  }
  if (bundleRequests.length > 0) {
    const step = progress.step(
      `Bundling ${bundleRequests.length} function${bundleRequests.length === 1 ? '' : 's'} with esbuild`,
    );
    try {
      for (const [key, value] of await bundleFunctions(serviceDir, bundleRequests, bundle)) bundled.set(key, value);
      step.done();
    } catch (error) {
      step.fail();
      throw error;
    }
  }
  await checkCopiedHandlers(serviceDir, copyChecks, (message) => progress.debug(message));

  const pipDirs = new Map<string, Promise<FileEntry[]>>();
  const pipFiles = (requirements: Requirements): Promise<FileEntry[]> => {
    let files = pipDirs.get(requirements.key);
    if (!files) {
      files = (async () => {
        const cached = await isRequirementsCached(requirements, cacheDir);
        const step = cached ? { done() {}, fail() {} } : progress.step('Installing Python requirements with pip');
        try {
          const dir = await installRequirements(requirements, cacheDir, pipArguments, env);
          const entries = await walkFiles({
            root: dir,
            zipPrefix: '',
            initial: true,
            skipDir: skipPipDir,
            allowTarget: (real) => isInside(dir, real),
            onRejectedLink: (rel) => warn(`Skipped the symlink ${rel} installed by pip.`),
            watch,
          });
          step.done();
          const kept = entries.filter((e) => !skipPipFile(e.zipPath));
          for (const file of kept)
            watch.record(file.absPath, `${file.size}:${file.mtimeMs}:${file.executable ? 1 : 0}`);
          return kept;
        } catch (error) {
          step.fail();
          throw error;
        }
      })();
      pipDirs.set(requirements.key, files);
    }
    return files;
  };

  await pool(toBuild, 2, async (state) => {
    const step = progress.step(`Packaging ${state.planned.file}`);
    try {
      const inputs = new Map<string, ZipInput>();
      const add = (input: ZipInput): void => {
        inputs.set(input.name, input);
      };
      for (const file of state.selected)
        add({ name: file.zipPath, file: file.absPath, size: file.size, executable: file.executable });
      const recordedInputs: string[] = [];
      const externalRoots: DependencyRoot[] = [];
      for (const plan of state.plans) {
        const output = bundled.get(plan.fn.key);
        if (plan.mode !== 'bundle' || !output) continue;
        for (const file of output.files) add({ name: file.name, data: file.data, executable: false });
        recordedInputs.push(...output.inputs);
        for (const external of output.externals) {
          externalRoots.push({ dir: external.importer, location: '', names: [external.name] });
        }
      }
      if (externalRoots.length > 0) {
        const packages = await collectDependencies({ serviceDir, roots: externalRoots, warn, observe });
        const files = (
          await Promise.all(
            packages.map((pkg) =>
              walkFiles({
                root: pkg.realDir,
                zipPrefix: `${pkg.location}/`,
                initial: true,
                skipDir: (_rel, name) => name === 'node_modules',
                allowTarget: (real) => isAllowedDependencyPath(serviceDir, real),
                onRejectedLink: (rel, target) =>
                  warn(`Skipped the symlink ${pkg.location}/${rel}: it points outside the package (${target}).`),
                watch,
              }),
            ),
          )
        ).flat();
        for (const file of applyPatterns(files, state.patterns)) {
          add({ name: file.zipPath, file: file.absPath, size: file.size, executable: file.executable });
          recordedInputs.push(file.absPath);
        }
      }
      if (state.requirements) {
        for (const file of await pipFiles(state.requirements))
          add({ name: file.zipPath, file: file.absPath, size: file.size, executable: file.executable });
      }
      for (const file of state.wrapperFiles) add(file);
      const target = path.join(realOutDir, state.planned.file);
      const { size, sha256 } = await writeZip(target, [...inputs.values()], { level: ZLIB_LEVEL });
      const uniqueInputs = [...new Set(recordedInputs)].sort();
      const record: ManifestArtifact = {
        path: state.planned.file,
        functions: state.planned.functions.map((fn) => fn.key),
        size,
        sha256,
        files: inputs.size,
        mode: state.plans.every((p) => p.mode === 'bundle') ? 'bundle' : 'copy',
        inputHash: await inputHash(state, uniqueInputs),
      };
      results.set(state.planned.file, {
        record,
        cached: false,
        inputs: uniqueInputs.length > 0 ? uniqueInputs : undefined,
      });
      step.done(`${inputs.size} files, ${formatSize(size)}`);
    } catch (error) {
      step.fail();
      throw error;
    }
  });

  const lastSeen = new Map(fast?.watch ?? []);
  for (const artifact of planned) {
    if (!artifact.prebuilt) continue;
    const rel = toPosix(path.relative(realOutDir, artifact.prebuilt));
    const old = previousByPath.get(rel);
    const unchanged = old?.mode === 'prebuilt' && lastSeen.get(artifact.prebuilt) === statSignature(artifact.prebuilt);
    const { size, sha256 } = unchanged ? old : await hashFile(artifact.prebuilt);
    results.set(artifact.file, {
      record: {
        path: rel,
        functions: artifact.functions.map((fn) => fn.key),
        size,
        sha256,
        files: unchanged ? old.files : ((await countZipEntries(artifact.prebuilt)) ?? 0),
        mode: 'prebuilt',
        inputHash: sha256,
      },
      cached: unchanged,
    });
  }

  await writeCacheIndex(
    cacheDir,
    Object.fromEntries(
      planned.flatMap((a) => {
        const inputs = results.get(a.file)?.inputs;
        return inputs ? [[a.file, inputs]] : [];
      }),
    ),
  );
  const current = new Set(planned.map((a) => results.get(a.file)!.record.path));
  for (const old of previous?.artifacts ?? []) {
    const abs = path.resolve(realOutDir, old.path);
    if (old.mode !== 'prebuilt' && !current.has(old.path) && isInside(realOutDir, abs))
      await fsp.rm(abs, { force: true });
  }
  const result = await finishRun(service, realOutDir, planned, results, wrappers);
  for (const artifact of planned) if (!artifact.prebuilt) observe(path.join(realOutDir, artifact.file));
  await writeRunRecord(cacheDir, {
    key: runKey,
    watch: watch.toJSON(),
    artifacts: planned.map((a) => ({ file: a.file, record: results.get(a.file)!.record })),
    warnings: [...warned],
  });
  return result;
}

/** Writes the manifest and shapes the result, from one record per planned artifact. */
async function finishRun(
  service: Service,
  realOutDir: string,
  planned: readonly PlannedArtifact[],
  results: ReadonlyMap<string, { record: ManifestArtifact; cached: boolean }>,
  wrappers: readonly PackageWrapper[],
): Promise<PackageResult> {
  const records = planned.map((a) => results.get(a.file)!);
  const manifestFunctions: Record<string, ManifestFunction> = {};
  for (const artifact of planned) {
    const record = results.get(artifact.file)!.record;
    for (const fn of artifact.functions) {
      const wrapped = wrappers.find((w) => w.handler)?.handler?.(fn, service);
      manifestFunctions[fn.key] = { artifact: record.path, handler: wrapped ?? fn.handler, runtime: fn.runtime };
    }
  }
  const manifest: PackageManifest = {
    version: 1,
    service: service.name,
    stage: service.stage,
    provider: service.provider.name,
    createdAt: new Date().toISOString(),
    artifacts: records.map((r) => r.record),
    functions: manifestFunctions,
    model: service,
  };
  const manifestPath = await writePackageManifest(realOutDir, manifest);

  const artifacts: Artifact[] = manifest.artifacts.map((record) => ({
    path: path.resolve(realOutDir, record.path),
    functions: record.functions,
    size: record.size,
    sha256: record.sha256,
    files: record.files,
    mode: record.mode,
  }));
  const summary: PackageSummaryRow[] = records.map(({ record, cached }) => ({
    artifact: record.path,
    functions: record.functions,
    size: record.size,
    files: record.files,
    mode: record.mode,
    cached,
  }));
  return { manifest, artifacts, summary, manifestPath };
}

function planArtifacts(
  service: Service,
  functions: readonly FunctionSpec[],
  warn: (message: string) => void,
): PlannedArtifact[] {
  const planned: PlannedArtifact[] = [];
  const shared: FunctionSpec[] = [];
  const resolveArtifact = (where: string, artifact: string): string => {
    if (/^(s3|https?):\/\//.test(artifact)) {
      throw packagingError({
        code: 'PACKAGE_ARTIFACT_REMOTE',
        message: `${where} is a remote location (${artifact}); skyrun packages local zips only.`,
        hint: 'Download the zip into the service directory and point package.artifact at it.',
      });
    }
    const abs = path.resolve(service.serviceDir, artifact);
    try {
      if (statSync(abs).size === 0) throw new Error('empty file');
    } catch (error) {
      throw packagingError({
        code: 'PACKAGE_ARTIFACT_NOT_FOUND',
        message: `Cannot read the package artifact "${artifact}" given in ${where}.`,
        hint: 'package.artifact is a prebuilt zip, relative to the service directory.',
        cause: error,
      });
    }
    return abs;
  };
  let warnedPatterns = false;
  for (const fn of functions) {
    if (fn.package.artifact) {
      const abs = resolveArtifact(`functions.${fn.key}.package.artifact`, fn.package.artifact);
      const existing = planned.find((a) => a.prebuilt === abs);
      if (existing) (existing.functions as FunctionSpec[]).push(fn);
      else planned.push({ file: `prebuilt:${fn.key}`, functions: [fn], individually: true, prebuilt: abs });
      continue;
    }
    if (!fn.handler) continue;
    if (service.package.individually || fn.package.individually) {
      planned.push({ file: `${fn.key}.zip`, functions: [fn], individually: true });
      continue;
    }
    if (fn.package.patterns.length > 0 && !warnedPatterns) {
      warnedPatterns = true;
      warn(
        `Function-level package.patterns apply only with package.individually: true; the service patterns are used for "${fn.key}".`,
      );
    }
    shared.push(fn);
  }
  if (shared.length > 0) {
    if (service.package.artifact) {
      planned.push({
        file: 'prebuilt:service',
        functions: shared,
        individually: false,
        prebuilt: resolveArtifact('package.artifact', service.package.artifact),
      });
    } else {
      planned.push({ file: `${service.name}.zip`, functions: shared, individually: false });
    }
  }
  return planned;
}

async function planFunction(
  service: Service,
  serviceDir: string,
  fn: FunctionSpec,
  observe: (file: string) => void,
): Promise<FunctionPlan> {
  const family = runtimeFamily(fn.runtime);
  if (family === 'other' || !fn.handler) return { fn, family, mode: 'copy' };
  const ref = parseHandler(fn.key, fn.handler);
  // Which file the handler resolves to depends on the files of these directories.
  observe(path.dirname(path.resolve(serviceDir, ref.module)));
  observe(path.dirname(path.resolve(serviceDir, ref.module.replace(/\./g, '/'))));
  if (family === 'python') {
    return {
      fn,
      family,
      mode: 'copy',
      entry: await findPythonHandlerFile(serviceDir, fn.key, fn.handler, ref),
      exportName: ref.exportName,
    };
  }
  const entry = await findNodeHandlerFile(serviceDir, fn.key, fn.handler, ref);
  const setting = service.build.esbuild;
  const bundle = setting === undefined ? TYPESCRIPT_EXTENSIONS.has(path.extname(entry)) : setting !== false;
  return { fn, family, mode: bundle ? 'bundle' : 'copy', entry, exportName: ref.exportName };
}

/**
 * Production dependency files of the service: the closure of the given package.json files
 * (those the artifact selects, plus the service's own one when `rootManifest`), with
 * devDependencies too when excludeDevDependencies is false. A service with node_modules but
 * no package.json ships its node_modules as it is (v3 behaviour). Package directories
 * placed where `prune` proves nothing is selected are not walked.
 */
async function collectServiceDependencies(
  service: Service,
  serviceDir: string,
  manifests: readonly FileEntry[],
  rootManifest: boolean,
  prune: (rel: string) => boolean,
  warn: (message: string) => void,
  watch: WatchList,
): Promise<FileEntry[]> {
  const observe = (file: string): void => watch.observe(file);
  const candidates = manifests.map((file) => ({
    dir: path.dirname(file.absPath),
    location: path.posix.dirname(file.zipPath),
  }));
  observe(path.join(serviceDir, 'package.json'));
  const hasRootManifest = rootManifest && (await statKey(path.join(serviceDir, 'package.json'))) !== 'missing';
  if (hasRootManifest) candidates.unshift({ dir: serviceDir, location: '' });
  const walkPackage = (realDir: string, location: string): Promise<FileEntry[]> =>
    walkFiles({
      root: realDir,
      zipPrefix: `${location}/`,
      initial: true,
      skipDir: (rel, name) => name === 'node_modules' || prune(`${location}/${rel}`),
      allowTarget: (real) => isAllowedDependencyPath(serviceDir, real),
      onRejectedLink: (rel, target) =>
        warn(`Skipped the symlink ${location}/${rel}: it points outside the service directory (${target}).`),
      watch,
    });
  if (candidates.length === 0) {
    if (!rootManifest || prune('node_modules')) return [];
    return walkFiles({
      root: path.join(serviceDir, 'node_modules'),
      zipPrefix: 'node_modules/',
      initial: true,
      skipDir: (rel) => prune(`node_modules/${rel}`),
      allowTarget: (real) => isInside(serviceDir, real),
      onRejectedLink: (rel, target) =>
        warn(`Skipped the symlink node_modules/${rel}: it points outside the service directory (${target}).`),
      watch,
    });
  }
  const roots: DependencyRoot[] = [];
  for (const candidate of candidates) {
    const names = await rootDependencyNames(candidate.dir, !service.package.excludeDevDependencies, observe);
    if (!names || names.names.length === 0) continue;
    roots.push({ dir: candidate.dir, location: candidate.location, names: names.names, optional: names.optional });
  }
  if (roots.length === 0) return [];
  const packages = await collectDependencies({ serviceDir, roots, warn, observe });
  const lists = await Promise.all(
    packages.filter((pkg) => !prune(pkg.location)).map((pkg) => walkPackage(pkg.realDir, pkg.location)),
  );
  return lists.flat();
}

async function readCacheIndex(cacheDir: string): Promise<Record<string, string[]>> {
  try {
    return JSON.parse(await fsp.readFile(path.join(cacheDir, CACHE_INDEX), 'utf8')) as Record<string, string[]>;
  } catch {
    return {};
  }
}

async function writeCacheIndex(cacheDir: string, index: Record<string, string[]>): Promise<void> {
  await fsp.mkdir(cacheDir, { recursive: true });
  await fsp.writeFile(path.join(cacheDir, CACHE_INDEX), JSON.stringify(index));
}

/** What the last complete run saw and produced; the no-change path compares against it. */
interface RunRecord {
  readonly key: string;
  readonly watch: ReadonlyArray<readonly [string, string]>;
  readonly artifacts: ReadonlyArray<{ readonly file: string; readonly record: ManifestArtifact }>;
  readonly warnings: readonly string[];
}

/**
 * Everything besides file contents that decides the artifacts: skyrun and layout versions,
 * zip level, directories, the packaging settings of the service and of each function, and
 * the provider wrappers' files.
 */
async function computeRunKey(
  service: Service,
  functions: readonly FunctionSpec[],
  wrappers: readonly PackageWrapper[],
  realOutDir: string,
  pipArguments: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      skyrun: SKYRUN_VERSION,
      layout: LAYOUT_VERSION,
      level: ZLIB_LEVEL,
      serviceDir: path.resolve(service.serviceDir),
      outDir: realOutDir,
      configFile: service.configFile,
      name: service.name,
      useDotenv: service.useDotenv,
      package: service.package,
      build: service.build,
      pip: pipArguments,
      python: env.SKYRUN_PYTHON ?? null,
      wrappers: wrappers.map((w) => w.id),
      functions: functions.map((fn) => [fn.key, fn.handler ?? null, fn.runtime, fn.package]),
    }),
  );
  for (const fn of functions) {
    if (!fn.handler) continue;
    for (const wrapper of wrappers) {
      for (const extra of await wrapper.files(fn, service)) {
        hash
          .update(`\n${fn.key}\0${wrapper.id}\0${extra.path}\0${extra.executable === true ? 1 : 0}\0`)
          .update(extra.content);
      }
    }
  }
  return hash.digest('hex');
}

async function readRunRecord(cacheDir: string): Promise<RunRecord | undefined> {
  try {
    const record = JSON.parse(await fsp.readFile(path.join(cacheDir, RUN_RECORD), 'utf8')) as RunRecord;
    return typeof record.key === 'string' && Array.isArray(record.watch) && Array.isArray(record.artifacts)
      ? record
      : undefined;
  } catch {
    return undefined;
  }
}

async function writeRunRecord(cacheDir: string, record: RunRecord): Promise<void> {
  await fsp.mkdir(cacheDir, { recursive: true });
  const file = path.join(cacheDir, RUN_RECORD);
  const temporary = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(temporary, JSON.stringify(record));
  await fsp.rename(temporary, file);
}
