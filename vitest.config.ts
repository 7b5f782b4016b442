import { defineConfig } from 'vitest/config';

// Tests import other workspace packages (cli → core, provider → core) through their package
// exports, i.e. their built `dist/`: making vitest resolve them to `src/*.ts` also hands that
// condition to modules Node loads natively (oclif's command loader), where `.ts` cannot load.
// So `pnpm test` builds first; after editing core by hand, run `pnpm build` before a test.
export default defineConfig({
  test: {
    include: ['packages/**/*.test.ts', 'templates/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.live.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
