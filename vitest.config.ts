import { defineConfig } from 'vitest/config';

// `skyrun-source` points a package's own imports at its TypeScript sources. Imports across
// workspace packages (cli → core, provider → core) load the other package's `dist/`: vitest
// passes resolve conditions on to natively loaded modules too, where `.ts` cannot load. So
// `pnpm test` builds first, and a test run after editing core needs `pnpm build` again.
export default defineConfig({
  resolve: { conditions: ['skyrun-source'] },
  test: {
    include: ['packages/**/*.test.ts', 'templates/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.live.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
