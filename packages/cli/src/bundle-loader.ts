import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/**
 * Runs a CommonJS bundle (the CLI's dist/skyrun.cjs) with V8's code cache, as Node 22's
 * `module.enableCompileCache()` does; Node 20 has no such switch, so it is written here.
 *
 * Compiling the bundle's functions was a quarter of a command's start. The first run compiles
 * as usual and, as it exits, saves V8's compiled code (every function that ran) to
 * `<cacheDir>/node<version>-<arch>-<hash of the bundle>.v8`; later runs hand that to V8 and skip
 * the work. A rebuild starts a new file (and removes the previous build's), another Node version
 * keeps its own; V8 itself rejects data made by another V8 or with other flags. A rejected,
 * unreadable or unwritable cache only means compiling as before.
 *
 * The module is registered in `require.cache`, so a later `require(file)` (oclif loading the
 * commands from the same file) gets this instance. Node 20 cannot run `import()` in a script
 * compiled with cached data, so the build turns the bundle's `import(x)` into
 * `__skyrunImport(x)` (scripts/bundle-cli.mjs), answered here by this module's own `import()`:
 * this file sits beside the bundle, so specifiers resolve as they would from it.
 */
/** V8's cached data only fits the Node (V8) version and architecture that made it. */
const CACHE_PREFIX = `node${process.versions.node}-${process.arch}-`;

const WRAPPER_PARAMETERS = 'exports, require, module, __filename, __dirname, __skyrunImport';

function importFromBundle(specifier: string): Promise<unknown> {
  return import(specifier);
}

export function loadBundle(file: string, cacheDir: string): unknown {
  const bytes = readFileSync(file);
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 32);
  const cacheFile = path.join(cacheDir, `${CACHE_PREFIX}${hash}.v8`);
  const source = bytes.toString('utf8');
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // First run of this bundle: compile and save below.
  }
  const script = new vm.Script(`(function (${WRAPPER_PARAMETERS}) {${source}\n})`, { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => saveCache(script, cacheFile));
  }
  const module = new Module(file);
  module.filename = file;
  const require = createRequire(file);
  require.cache[file] = module;
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, require, module, file, path.dirname(file), importFromBundle);
  module.loaded = true;
  return module.exports;
}

function saveCache(script: vm.Script, cacheFile: string): void {
  const dir = path.dirname(cacheFile);
  try {
    mkdirSync(dir, { recursive: true });
    const temporary = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, cacheFile);
    // Earlier builds' caches for this Node; another Node version keeps its own.
    for (const name of readdirSync(dir)) {
      if (name.startsWith(CACHE_PREFIX) && name.endsWith('.v8') && name !== path.basename(cacheFile)) {
        rmSync(path.join(dir, name), { force: true });
      }
    }
  } catch {
    // Best effort: the next run compiles again.
  }
}
