import { readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import type Picomatch from 'picomatch';
import { packagingError } from './errors.js';
import type { WatchList } from './watch.js';
import { coreRequire } from '../core-package.js';

/** A file that may go into an artifact. */
export interface FileEntry {
  /** Path inside the zip, `/`-separated. */
  readonly zipPath: string;
  /** Absolute real path to read (symlinks already resolved and checked). */
  readonly absPath: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly executable: boolean;
  /** Selected unless a pattern says otherwise (false: only a positive pattern adds it). */
  readonly initial: boolean;
}

export interface WalkOptions {
  /** Directory to walk (real path). */
  readonly root: string;
  /** Prefix prepended to every zip path (`node_modules/x/`), or ''. */
  readonly zipPrefix: string;
  /** Skip a directory: `rel` is relative to root, `/`-separated. */
  readonly skipDir: (rel: string, name: string) => boolean;
  /** May a symlink whose target is `real` be followed? */
  readonly allowTarget: (real: string) => boolean;
  /** Called for a symlink that is not followed. */
  readonly onRejectedLink: (rel: string, target: string) => void;
  readonly initial: boolean;
  /** Records every directory listed (before listing it) for the no-change check. */
  readonly watch?: WatchList;
}

// Loaded on first use (about 15 ms): a run that reuses every artifact matches no pattern.
let loadedPicomatch: typeof Picomatch | undefined;
function picomatch(): typeof Picomatch {
  return (loadedPicomatch ??= coreRequire('picomatch') as typeof Picomatch);
}

export function isInside(parent: string, child: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
}

export function toPosix(p: string): string {
  return path.sep === '/' ? p : p.split(path.sep).join('/');
}

/**
 * Lists files under `options.root` with their stats. Symlinks are followed only when
 * `allowTarget` accepts their real target; directories reached twice through links are
 * walked once per logical path but never in a cycle.
 */
export async function walkFiles(options: WalkOptions): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  const push = (rel: string, abs: string, stat: Stats): void => {
    out.push({
      zipPath: options.zipPrefix + rel,
      absPath: abs,
      size: stat.size,
      mtimeMs: stat.mtimeMs,
      executable: (stat.mode & 0o100) !== 0,
      initial: options.initial,
    });
  };

  // Synchronous fs calls per directory, yielding to the event loop between directories:
  // on warm caches this is several times faster than one thread-pool round trip per stat,
  // and the loop still turns (progress output keeps moving).
  const visitDir = async (dirAbs: string, rel: string, ancestors: ReadonlySet<string>): Promise<void> => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    options.watch?.observe(dirAbs);
    let dirents: Dirent[];
    try {
      dirents = readdirSync(dirAbs, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const subdirs: Array<[string, string, ReadonlySet<string>]> = [];
    for (const dirent of dirents) {
      const childRel = rel ? `${rel}/${dirent.name}` : dirent.name;
      const childAbs = path.join(dirAbs, dirent.name);
      if (dirent.isDirectory()) {
        if (!options.skipDir(childRel, dirent.name))
          subdirs.push([childAbs, childRel, new Set([...ancestors, childAbs])]);
        continue;
      }
      if (dirent.isFile()) {
        push(childRel, childAbs, statSync(childAbs));
        continue;
      }
      if (!dirent.isSymbolicLink()) continue;
      let real: string;
      let stat: Stats;
      try {
        real = realpathSync(childAbs);
        stat = statSync(real);
      } catch {
        options.onRejectedLink(childRel, '(broken link)');
        continue;
      }
      if (!options.allowTarget(real)) {
        options.onRejectedLink(childRel, real);
        continue;
      }
      if (stat.isFile()) {
        push(childRel, real, stat);
      } else if (stat.isDirectory() && !options.skipDir(childRel, dirent.name) && !ancestors.has(real)) {
        subdirs.push([real, childRel, new Set([...ancestors, real])]);
      }
    }
    for (const [abs, childRel, childAncestors] of subdirs) await visitDir(abs, childRel, childAncestors);
  };

  await visitDir(options.root, '', new Set([options.root]));
  return out;
}

/** v3's defaults, plus skyrun's own cache directory. */
export const DEFAULT_EXCLUDES: readonly string[] = [
  '.git/**',
  '.gitignore',
  '.DS_Store',
  '**/.DS_Store',
  'npm-debug.log*',
  'yarn-*.log',
  'pnpm-debug.log*',
  '*.log',
  '.serverless/**',
  '.serverless_plugins/**',
  '.skyrun-cache/**',
];

/** Rejects patterns that would reach outside the service directory. */
export function checkPatterns(patterns: readonly string[], where: string): void {
  for (const raw of patterns) {
    const pattern = raw.startsWith('!') ? raw.slice(1) : raw;
    const normalised = pattern.replace(/\\/g, '/');
    if (
      normalised.startsWith('/') ||
      /^[A-Za-z]:/.test(normalised) ||
      normalised === '..' ||
      normalised.startsWith('../') ||
      normalised.includes('/../') ||
      normalised.endsWith('/..')
    ) {
      throw packagingError({
        code: 'PACKAGE_PATTERN_OUTSIDE_SERVICE',
        message: `The pattern "${raw}" in ${where} points outside the service directory.`,
        hint: 'Package patterns are relative to the service directory and cannot use ".." or absolute paths. Move the files into the service, or bundle shared code with build.esbuild.',
      });
    }
  }
}

/**
 * v3 semantics: every pattern, in order, sets the state of the files it matches
 * (`!pattern` deselects, `pattern` selects). Files start in their `initial` state.
 */
export function applyPatterns(entries: readonly FileEntry[], patterns: readonly string[]): FileEntry[] {
  const compiled = patterns.map((raw) => {
    const negated = raw.startsWith('!');
    const glob = (negated ? raw.slice(1) : raw).replace(/\\/g, '/').replace(/^\.\//, '');
    return { negated, match: picomatch()(glob, { dot: true }) };
  });
  return entries.filter((entry) => {
    let state = entry.initial;
    for (const { negated, match } of compiled) {
      if (state === !negated) continue;
      if (match(entry.zipPath)) state = !negated;
    }
    return state;
  });
}

/** A compiled pattern list, as `applyPatterns` reads it. */
interface CompiledPattern {
  readonly negated: boolean;
  /** Literal-or-glob path segments, or undefined when the pattern cannot be split safely. */
  readonly segments?: readonly string[];
  /** One matcher per segment. */
  readonly matchers?: ReadonlyArray<(name: string) => boolean>;
  /** Literal leading segments (before the first glob character). */
  readonly base: readonly string[];
}

const GLOBSTAR = '**';

function compileForPruning(raw: string): CompiledPattern {
  const negated = raw.startsWith('!');
  const glob = (negated ? raw.slice(1) : raw).replace(/\\/g, '/').replace(/^\.\//, '');
  const scan = picomatch().scan(glob);
  const base = scan.isGlob ? (scan.base ? scan.base.split('/') : []) : glob.split('/').slice(0, -1);
  // Braces and extglobs may hide a `/` inside one "segment": only the literal base is used then.
  const splittable = !/[{}()]/.test(glob) && !glob.endsWith('/');
  const segments = splittable ? glob.split('/') : undefined;
  const matchers = segments?.map((segment) =>
    segment === GLOBSTAR ? () => true : picomatch()(segment, { dot: true }),
  );
  return { negated, segments, matchers, base };
}

type Coverage = 'all' | 'none' | 'some';

/** Does `pattern` match all, none or some of the files below directory `dir` (segments)? */
function coverage(pattern: CompiledPattern, dir: readonly string[]): Coverage {
  for (let i = 0; i < Math.min(pattern.base.length, dir.length); i++) {
    if (pattern.base[i] !== dir[i]) return 'none';
  }
  const segments = pattern.segments;
  if (!segments) return 'some';
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment === GLOBSTAR) {
      // `prefix/**` or `prefix/**/*` with the prefix matching the directory: every file below.
      const rest = segments.slice(i + 1);
      const all = i <= dir.length && (rest.length === 0 || (rest.length === 1 && rest[0] === '*'));
      return all ? 'all' : 'some';
    }
    if (i >= dir.length) return 'some';
    if (!pattern.matchers![i](dir[i])) return 'none';
  }
  // No globstar: the pattern matches paths of exactly `segments.length` segments, while the
  // files below `dir` have more than `dir.length`.
  return segments.length > dir.length ? 'some' : 'none';
}

/**
 * Decides, before walking it, whether a directory can hold any file that `patterns` select
 * (applied in order as in `applyPatterns`, files starting as `initial`). Conservative: it
 * returns true ("skip") only when no file below the directory can end up selected.
 */
export function createDirectoryPruner(patterns: readonly string[], initial: boolean): (rel: string) => boolean {
  const compiled = patterns.map(compileForPruning);
  const cache = new Map<string, boolean>();
  return (rel) => {
    let cached = cache.get(rel);
    if (cached === undefined) {
      const dir = rel.split('/');
      // Every file below starts in `initial`; track what the files below can be after each pattern.
      let state: Coverage = initial ? 'all' : 'none';
      for (const pattern of compiled) {
        const covered = coverage(pattern, dir);
        if (covered === 'none') continue;
        const target: Coverage = pattern.negated ? 'none' : 'all';
        if (covered === 'all') state = target;
        else if (state !== target) state = 'some';
      }
      cached = state === 'none';
      cache.set(rel, cached);
    }
    return cached;
  };
}

/** Combines pruners: a directory is skipped only when every one of them skips it. */
export function everyPruner(pruners: ReadonlyArray<(rel: string) => boolean>): (rel: string) => boolean {
  return (rel) => pruners.length > 0 && pruners.every((prune) => prune(rel));
}
