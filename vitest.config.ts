import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests that spawn servers and child processes share 2 cores: keep the pool small.
    maxWorkers: 2,
  },
});
