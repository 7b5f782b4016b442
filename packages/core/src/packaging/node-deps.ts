import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { packagingError } from './errors.js';
import { isInside, toPosix } from './files.js';

/** A package placed in the artifact's node_modules tree. */
export interface PlacedPackage {
  readonly name: string;
  /** Real directory the files are read from. */
  readonly realDir: string;
  /** Directory inside the zip, e.g. `node_modules/a/node_modules/b`. */
  readonly location: string;
}

/** Where resolution starts: a directory of the service with a package.json, or an importer. */
export interface DependencyRoot {
  /** Absolute directory (inside the service, or a real package directory for externals). */
  readonly dir: string;
  /** Zip directory the root's code lives in ('' for the zip root). */
  readonly location: string;
  /** Package names required from this root. */
  readonly names: readonly string[];
  /** Names that may be absent (optionalDependencies, peers). */
  readonly optional?: ReadonlySet<string>;
}

export interface DependencyOptions {
  readonly serviceDir: string;
  readonly roots: readonly DependencyRoot[];
  readonly warn: (message: string) => void;
  /** Called with every path the result depends on (package.json files, node_modules lookups). */
  readonly observe?: (file: string) => void;
}

interface PackageJson {
  name?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const packageJsonCache = new Map<string, Promise<PackageJson | undefined>>();

export function readPackageJson(dir: string): Promise<PackageJson | undefined> {
  let cached = packageJsonCache.get(dir);
  if (!cached) {
    cached = fsp
      .readFile(path.join(dir, 'package.json'), 'utf8')
      .then((text) => JSON.parse(text) as PackageJson)
      .catch(() => undefined);
    packageJsonCache.set(dir, cached);
  }
  return cached;
}

/** Forget cached package.json contents (between packaging runs). */
export function clearPackageJsonCache(): void {
  packageJsonCache.clear();
}

/**
 * The pnpm virtual store a path lives in (`<A>/node_modules/.pnpm`), when A is the service
 * directory or one of its ancestors (a workspace root). Packages there are reachable only
 * through the service's own `node_modules` symlinks, so reading them does not widen what
 * the service can see beyond what its package.json declares.
 */
export function pnpmStoreOf(serviceDir: string, p: string): string | undefined {
  const marker = `${path.sep}node_modules${path.sep}.pnpm${path.sep}`;
  const at = p.indexOf(marker);
  if (at < 0) return undefined;
  const owner = p.slice(0, at) || path.sep;
  if (!isInside(owner, serviceDir)) return undefined;
  return p.slice(0, at + marker.length - 1);
}

/** May dependency files be read from `p`? Inside the service, or in its pnpm store. */
export function isAllowedDependencyPath(serviceDir: string, p: string): boolean {
  return isInside(serviceDir, p) || pnpmStoreOf(serviceDir, p) !== undefined;
}

interface Resolved {
  readonly logical: string;
  readonly real: string;
}

async function resolvePackageDir(
  fromDir: string,
  name: string,
  observe: (file: string) => void,
): Promise<Resolved | undefined> {
  let dir = fromDir;
  for (;;) {
    if (path.basename(dir) !== 'node_modules') {
      const candidate = path.join(dir, 'node_modules', name);
      // Installing or removing a package here changes one of these directories.
      observe(dir);
      observe(path.join(dir, 'node_modules'));
      if (name.startsWith('@')) observe(path.dirname(candidate));
      try {
        const real = await fsp.realpath(candidate);
        const stat = await fsp.stat(real);
        if (stat.isDirectory()) return { logical: candidate, real };
      } catch {
        // not here: keep walking up, as Node does
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function joinLocation(base: string, ...parts: string[]): string {
  return [base, ...parts].filter(Boolean).join('/');
}

/** `node_modules` directories Node searches from `location`, closest first. */
function candidateLocations(location: string, name: string): string[] {
  const segments = location ? location.split('/') : [];
  const out: string[] = [];
  for (let i = segments.length; i >= 0; i--) {
    const base = segments.slice(0, i);
    if (base[base.length - 1] === 'node_modules') continue;
    out.push(joinLocation(base.join('/'), 'node_modules', name));
  }
  return out;
}

/**
 * Computes the production dependency closure of `roots` and lays it out as a node_modules
 * tree inside the zip. Physical installs inside the service (npm, yarn) keep their paths.
 * Packages reached through symlinks (pnpm's virtual store, `file:` links inside the
 * service) are materialised as plain directories, hoisted to the highest position where
 * Node's resolution from every dependent still finds the right copy.
 *
 * A production dependency found outside the service directory and outside its pnpm store
 * (a hoisted npm workspace install, a `link:`/`workspace:` sibling) is an error: reading it
 * would copy files from outside the service.
 */
export async function collectDependencies(options: DependencyOptions): Promise<PlacedPackage[]> {
  const { serviceDir } = options;
  const observe = options.observe ?? ((): void => undefined);
  const occupied = new Map<string, string>();
  /** Locations a resolution passed over: only the recorded real package may go there later. */
  const reserved = new Map<string, Set<string>>();
  const placed: PlacedPackage[] = [];
  const processed = new Set<string>();

  interface Work {
    fromDir: string;
    location: string;
    names: readonly string[];
    optional: ReadonlySet<string>;
    requiredBy: string;
  }
  let queue: Work[] = options.roots.map((root) => ({
    fromDir: root.dir,
    location: root.location,
    names: root.names,
    optional: root.optional ?? new Set<string>(),
    requiredBy: toPosix(path.relative(serviceDir, path.join(root.dir, 'package.json'))) || 'package.json',
  }));

  const canPlace = (location: string, real: string): boolean => {
    const holder = occupied.get(location);
    if (holder !== undefined) return holder === real;
    const passers = reserved.get(location);
    return passers === undefined || (passers.size === 1 && passers.has(real));
  };
  const reserve = (locations: readonly string[], real: string): void => {
    for (const location of locations) {
      let passers = reserved.get(location);
      if (!passers) reserved.set(location, (passers = new Set()));
      passers.add(real);
    }
  };

  const place = (work: Work, name: string, resolved: Resolved): string => {
    const candidates = candidateLocations(work.location, name);
    if (resolved.logical === resolved.real && isInside(serviceDir, resolved.real)) {
      const own = toPosix(path.relative(serviceDir, resolved.real));
      const index = candidates.indexOf(own);
      const closer = candidates.slice(0, Math.max(index, 0));
      if (index >= 0 && canPlace(own, resolved.real) && closer.every((c) => !occupied.has(c))) {
        reserve(closer, resolved.real);
        return own;
      }
    }
    let chosen: number | undefined;
    for (let i = 0; i < candidates.length; i++) {
      const holder = occupied.get(candidates[i]);
      if (holder === resolved.real) {
        chosen = i;
        break;
      }
      if (holder !== undefined) break;
      if (canPlace(candidates[i], resolved.real)) chosen = i;
    }
    if (chosen === undefined) {
      throw packagingError({
        code: 'PACKAGE_DEPENDENCY_CONFLICT',
        message: `Cannot place dependency "${name}" of ${work.requiredBy} in the artifact's node_modules: another version is already at ${candidates[0]}.`,
        hint: 'Reinstall dependencies (rm -rf node_modules && npm install), or bundle the function with build.esbuild.',
      });
    }
    reserve(candidates.slice(0, chosen), resolved.real);
    return candidates[chosen];
  };

  while (queue.length > 0) {
    const next: Work[] = [];
    for (const work of queue) {
      const resolutions = await Promise.all(
        work.names.map(async (name) => ({ name, resolved: await resolvePackageDir(work.fromDir, name, observe) })),
      );
      for (const { name, resolved } of resolutions) {
        if (!resolved) {
          if (!work.optional.has(name)) {
            options.warn(
              `Dependency "${name}" of ${work.requiredBy} is not installed; it is not in the artifact. Run your package manager's install first.`,
            );
          }
          continue;
        }
        const logicalAllowed = isAllowedDependencyPath(serviceDir, resolved.logical);
        const realAllowed = isAllowedDependencyPath(serviceDir, resolved.real);
        if (!logicalAllowed || !realAllowed) {
          if (work.optional.has(name)) continue;
          throw packagingError({
            code: 'PACKAGE_DEPENDENCY_OUTSIDE_SERVICE',
            message: `Production dependency "${name}" of ${work.requiredBy} is installed outside the service directory (${resolved.real}); skyrun never copies files from outside the service.`,
            hint: 'Install dependencies inside the service directory (for npm workspaces: npm install --workspaces=false in the service; pnpm store links are fine), or bundle with build.esbuild: true.',
          });
        }
        const location = place(work, name, resolved);
        const key = `${resolved.real}\0${location}`;
        if (processed.has(key)) continue;
        processed.add(key);
        occupied.set(location, resolved.real);
        placed.push({ name, realDir: resolved.real, location });
        observe(path.join(resolved.real, 'package.json'));
        const pkg = await readPackageJson(resolved.real);
        if (!pkg) continue;
        const optional = new Set<string>([
          ...Object.keys(pkg.optionalDependencies ?? {}),
          ...Object.keys(pkg.peerDependencies ?? {}),
        ]);
        const names = [
          ...new Set([
            ...Object.keys(pkg.dependencies ?? {}),
            ...Object.keys(pkg.optionalDependencies ?? {}),
            ...Object.keys(pkg.peerDependencies ?? {}),
          ]),
        ].sort();
        if (names.length > 0) {
          next.push({ fromDir: resolved.real, location, names, optional, requiredBy: `"${name}"` });
        }
      }
    }
    queue = next;
  }
  return placed.sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : 0));
}

/** Names a service package.json asks for at runtime (devDependencies too when asked). */
export async function rootDependencyNames(
  dir: string,
  includeDev: boolean,
  observe: (file: string) => void = () => undefined,
): Promise<{ names: string[]; optional: Set<string> } | undefined> {
  observe(path.join(dir, 'package.json'));
  const pkg = await readPackageJson(dir);
  if (!pkg) return undefined;
  const optional = new Set<string>([
    ...Object.keys(pkg.optionalDependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
    ...(includeDev ? Object.keys(pkg.devDependencies ?? {}) : []),
  ]);
  const names = [
    ...new Set([
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.optionalDependencies ?? {}),
      ...Object.keys(pkg.peerDependencies ?? {}),
      ...(includeDev ? Object.keys(pkg.devDependencies ?? {}) : []),
    ]),
  ].sort();
  return { names, optional };
}
