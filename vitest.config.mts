import { defineConfig } from 'vitest/config';

// Temporal's worker and embedded Postgres are native and stateful: run test
// files in forked processes, not worker threads (STYLE.md).
export default defineConfig({
  test: {
    pool: 'forks',
    // vitest's default is one fork fewer than the cores: a single fork on the 2-core CI machine, where most
    // files wait on Temporal, Postgres or a child process rather than compute; two keep both cores busy.
    maxWorkers: 2,
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    globalSetup: ['tests/global-setup.ts'],
  },
});
