import type { CoreSource } from './types.js';

/** `${opt:stage}`: a CLI option; `${opt:}` all of them. */
export const optSource: CoreSource = {
  resolve(request) {
    const address = request.address || undefined;
    const value = address === undefined ? request.options : request.options[address];
    return {
      value: value ?? null,
      missing: {
        detail: `Value not found at "opt" source`,
        hint: `Pass --${address ?? 'OPTION'} on the command line, or give a fallback: \${opt:${address ?? 'OPTION'}, 'default'}.`,
      },
    };
  },
};
