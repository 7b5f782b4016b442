import type { HttpRoute } from '../types.js';

type Segment =
  { readonly kind: 'static'; readonly value: string } | { readonly kind: 'param' | 'greedy'; readonly name: string };

interface CompiledRoute {
  readonly route: HttpRoute;
  /** Upper-case, `ANY` for any method. */
  readonly method: string;
  readonly segments: readonly Segment[];
  /** httpApi `*` / `$default`: matches every path. */
  readonly catchAll: boolean;
}

export type RouteMatch =
  | { readonly kind: 'found'; readonly route: HttpRoute; readonly pathParameters: Record<string, string> | null }
  /** A route has this path, none has this method. */
  | { readonly kind: 'method-not-allowed'; readonly routes: readonly HttpRoute[] }
  | { readonly kind: 'not-found' };

const RANK = { static: 0, param: 1, greedy: 2 } as const;

/** `/users/{id}/` → segments; `{proxy+}` greedy. */
function compile(route: HttpRoute): CompiledRoute {
  const method = route.method === '*' ? 'ANY' : route.method.toUpperCase();
  const p = route.path.trim();
  if (p === '*' || p === '$default' || p === '/*') return { route, method, segments: [], catchAll: true };
  const segments: Segment[] = splitPath(p).map((s) => {
    const m = /^\{([^}+]+)(\+?)\}$/.exec(s);
    if (!m) return { kind: 'static', value: s };
    return { kind: m[2] ? 'greedy' : 'param', name: m[1] };
  });
  return { route, method, segments, catchAll: false };
}

export function splitPath(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (const p of parts) if (p !== '') out.push(p);
  return out;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Returns path parameters when `segments` match `parts`, else undefined. */
function matchSegments(segments: readonly Segment[], parts: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (s.kind === 'greedy') {
      if (i >= parts.length) return undefined; // `{proxy+}` needs at least one segment
      params[s.name] = parts.slice(i).map(decode).join('/');
      return params;
    }
    if (i >= parts.length) return undefined;
    if (s.kind === 'static') {
      if (s.value !== parts[i] && s.value !== decode(parts[i])) return undefined;
    } else params[s.name] = decode(parts[i]);
  }
  return segments.length === parts.length ? params : undefined;
}

/** Negative when `a` is more specific: static before `{param}` before `{greedy+}`, segment by segment. */
function compareSpecificity(a: CompiledRoute, b: CompiledRoute): number {
  if (a.catchAll !== b.catchAll) return a.catchAll ? 1 : -1;
  const n = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const d = RANK[a.segments[i].kind] - RANK[b.segments[i].kind];
    if (d !== 0) return d;
  }
  if (a.segments.length !== b.segments.length) return b.segments.length - a.segments.length;
  if (a.method !== b.method) return a.method === 'ANY' ? 1 : b.method === 'ANY' ? -1 : 0;
  return 0;
}

/**
 * An immutable, compiled route table for one api (one service/stage). Routes are sorted most specific
 * first, so the first route whose path and method match wins; fully static paths are looked up in a map.
 */
export class RouteTable {
  private readonly ordered: readonly CompiledRoute[];
  private readonly staticPaths = new Map<string, CompiledRoute[]>();

  constructor(routes: readonly HttpRoute[]) {
    this.ordered = routes.map(compile).sort(compareSpecificity);
    for (const c of this.ordered) {
      if (!c.catchAll && c.segments.every((s) => s.kind === 'static')) {
        const key = '/' + c.segments.map((s) => (s as { value: string }).value).join('/');
        const list = this.staticPaths.get(key) ?? [];
        list.push(c);
        this.staticPaths.set(key, list);
      }
    }
  }

  get routes(): readonly HttpRoute[] {
    return this.ordered.map((c) => c.route);
  }

  /** All routes whose path matches, any method (CORS preflight). */
  routesForPath(path: string): HttpRoute[] {
    const parts = splitPath(path);
    return this.ordered.filter((c) => c.catchAll || matchSegments(c.segments, parts)).map((c) => c.route);
  }

  match(method: string, path: string): RouteMatch {
    const staticHit = this.staticPaths.get(normalise(path));
    if (staticHit) {
      for (const c of staticHit)
        if (c.method === method || c.method === 'ANY') return { kind: 'found', route: c.route, pathParameters: null };
    }
    const parts = splitPath(path);
    let pathOnly: HttpRoute[] | undefined;
    for (const c of this.ordered) {
      if (c.catchAll) {
        if (c.method === method || c.method === 'ANY') return { kind: 'found', route: c.route, pathParameters: null };
        (pathOnly ??= []).push(c.route);
        continue;
      }
      const params = matchSegments(c.segments, parts);
      if (!params) continue;
      if (c.method === method || c.method === 'ANY') {
        return { kind: 'found', route: c.route, pathParameters: Object.keys(params).length > 0 ? params : null };
      }
      (pathOnly ??= []).push(c.route);
    }
    return pathOnly ? { kind: 'method-not-allowed', routes: pathOnly } : { kind: 'not-found' };
  }
}

function normalise(path: string): string {
  if (path.length > 1 && path.endsWith('/')) path = path.replace(/\/+$/, '');
  return path === '' ? '/' : path.includes('//') ? '/' + splitPath(path).join('/') : path;
}
