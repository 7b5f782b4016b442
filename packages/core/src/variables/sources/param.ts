import { addressOf, type CoreSource, type CoreSourceRequest } from './types.js';

/** `--param k=v` values, in order; the last one of a key wins. Throws on a value without `=`. */
export function cliParams(request: Pick<CoreSourceRequest, 'options' | 'fail'>): Map<string, string> {
  const raw = request.options.param;
  const items = raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : [raw];
  const params = new Map<string, string>();
  for (const item of items) {
    const match = /^([^=]+)=(.+)$/s.exec(String(item));
    if (!match) {
      request.fail(
        'CONFIG_PARAM_OPTION',
        `Encountered invalid "--param" CLI option value: "${String(item)}"`,
        'Pass params as --param key=value (repeat the flag for more).',
      );
    }
    params.set(match[1], match[2].trimEnd());
  }
  return params;
}

/**
 * `${param:name}`: `--param name=value`, then `stages.<stage>.params`, `params.<stage>`,
 * `stages.default.params`, `params.default`.
 */
export const paramSource: CoreSource = {
  async resolve(request) {
    const name = addressOf(request, 'param', true)!;
    const fromCli = cliParams(request).get(name);
    if (fromCli !== undefined) return { value: fromCli, concealed: true };
    const stage = await request.stage();
    const candidates = [
      ['stages', stage, 'params', name],
      ['params', stage, name],
      ['stages', 'default', 'params', name],
      ['params', 'default', name],
    ];
    for (const candidate of candidates) {
      const found = await request.resolveProperty(candidate);
      if (found.value !== undefined && found.value !== null) {
        return { value: found.value, concealed: true, final: true };
      }
    }
    return {
      value: null,
      missing: {
        detail: `The param "${name}" cannot be resolved from CLI options or stage params`,
        hint: `Pass --param ${name}=VALUE, or set it under stages.${stage}.params (or stages.default.params).`,
      },
    };
  },
};
