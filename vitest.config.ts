import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'policies/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Fails the run when a test wrote into the checkout (reports/, .pinbench/, stray files).
    globalSetup: ['test/support/checkout-guard.global.ts'],
  },
});
