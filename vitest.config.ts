import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites start real brokers, BMC simulators and agents: keep the 2-core CI machine responsive.
    maxWorkers: 2,
  },
});
