import { defineConfig } from 'vitest/config';

// Four layers (see docs/testing.md): unit tests are pure and fast; integration, e2e and chaos
// tests start real processes on 127.0.0.1 with port 0 and run one file at a time per
// worker so that timing-sensitive checks never compete for the machine's two cores.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
      // The bundled suite against the healthy agent and each seeded bug: ~11 minutes of real
      // chaos runs, so `npm test` leaves it out and `npm run test:chaos` (and CI) runs it.
      {
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 60_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
