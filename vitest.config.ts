import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // 2 cores: two test files at a time keeps process-heavy tests from starving each other.
    maxWorkers: 2,
  },
});
