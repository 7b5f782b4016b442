import { addressOf, type CoreSource } from './types.js';

/** `${env:NAME}`: an environment variable (plus `.env` files with `useDotenv: true`). Empty counts as unset, as in v3. */
export const envSource: CoreSource = {
  resolve(request) {
    const name = addressOf(request, 'env', true)!;
    const value = request.env[name];
    return {
      value: value || null,
      concealed: true,
      missing: {
        detail: `Value not found at "env" source`,
        hint: `Set the ${name} environment variable (or add it to .env with useDotenv: true), or give a fallback: \${env:${name}, 'default'}.`,
      },
    };
  },
};
