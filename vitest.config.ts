import { defineConfig } from 'vitest/config';

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
