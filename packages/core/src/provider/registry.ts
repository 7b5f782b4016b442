import { distance } from 'fastest-levenshtein';
import { SkyrunError } from '../errors/index.js';
import type { ProviderDefinition } from './contract.js';

/** How to import one provider's definition, keyed by its canonical name. */
export type ProviderLoaders = Readonly<Record<string, () => Promise<ProviderDefinition>>>;

/** Finds providers by name or alias, importing only the definitions asked for. */
export interface ProviderRegistry {
  /** Canonical names of every installed provider. */
  names(): readonly string[];
  /** The provider named (or aliased) `name`, or undefined when skyrun does not offer it. */
  find(name: string): Promise<ProviderDefinition | undefined>;
  /** Like find, but a clear error with a did-you-mean when missing. */
  get(name: string): Promise<ProviderDefinition>;
  all(): Promise<readonly ProviderDefinition[]>;
}

export function createProviderRegistry(loaders: ProviderLoaders): ProviderRegistry {
  const cache = new Map<string, Promise<ProviderDefinition>>();
  const load = (name: string) => {
    let pending = cache.get(name);
    if (!pending) {
      pending = loaders[name]!();
      cache.set(name, pending);
    }
    return pending;
  };
  const names = Object.keys(loaders).sort();
  const all = () => Promise.all(names.map(load));
  const find = async (name: string) => {
    const wanted = name.toLowerCase();
    if (loaders[wanted]) return load(wanted);
    return (await all()).find((p) => p.aliases?.includes(wanted));
  };
  return {
    names: () => names,
    find,
    all,
    async get(name) {
      const found = await find(name);
      if (found) return found;
      throw unknownProviderError(name, names);
    },
  };
}

/** The error for a provider skyrun does not offer, with a did-you-mean. */
export function unknownProviderError(name: string, known: readonly string[]): SkyrunError {
  const close = known.filter((k) => distance(k, name.toLowerCase()) <= 2);
  return new SkyrunError({
    code: 'PROVIDER_UNKNOWN',
    message: `skyrun does not offer the provider "${name}" yet.`,
    hint: close.length
      ? `Did you mean "${close[0]}"? Installed providers: ${known.join(', ')}.`
      : `Installed providers: ${known.join(', ')}. Use --provider local to run this service on the local runtime.`,
    exit: 'provider',
  });
}
