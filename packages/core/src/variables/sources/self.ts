import type { CoreSource } from './types.js';

/** `${self:a.b}`: another property of the service file; `${self:}` the whole configuration. */
export const selfSource: CoreSource = {
  async resolve(request) {
    const propertyPath = request.address ? request.address.split('.') : [];
    const resolved = await request.resolveProperty(propertyPath);
    return {
      value: resolved.value ?? null,
      concealed: resolved.concealed,
      concealedParts: resolved.concealedParts,
      final: true,
      missing: {
        detail: `Value not found at "self" source`,
        hint: `Add "${request.address ?? ''}" to the service file, or give a fallback: \${self:${request.address ?? ''}, 'default'}.`,
      },
    };
  },
};
