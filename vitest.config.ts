import { defineConfig } from 'vitest/config';

// Two projects: `unit` is the fast loop (pure model, policy, ingest, replay and report logic: seconds),
// `e2e` is everything that starts databases, servers, browsers, child processes or qemu.
// `npm test` runs both; `npm run test:unit` runs the first only.
const E2E_IN_SRC = [
  'src/store/**/*.test.ts',
  'src/report/serve/**/*.test.ts',
  'src/export/**/*.test.ts',
  'src/api/**/*.test.ts',
  'src/cli/**/*.test.ts',
  'src/synth/**/*.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The V8 flag the CLI sets for itself (bin/pinbench.js says why), for in-process tests.
    setupFiles: ['test/support/v8-flags.setup.ts'],
    // The CLI children of the e2e tests keep no check results in the user's cache; the check
    // cache's own tests give their own PINBENCH_CACHE.
    env: { PINBENCH_CHECK_CACHE: 'off' },
    // Fails the run when a test wrote into the checkout (reports/, .pinbench/, stray files).
    globalSetup: ['test/support/checkout-guard.global.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts', 'policies/**/*.test.ts'], exclude: E2E_IN_SRC },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/**/*.test.ts', ...E2E_IN_SRC] },
      },
    ],
  },
});
