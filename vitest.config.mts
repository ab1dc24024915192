import { defineConfig } from 'vitest/config';

// Temporal's worker and embedded Postgres are native and stateful: run test
// files in forked processes, not worker threads (STYLE.md).
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    globalSetup: ['tests/global-setup.ts'],
  },
});
