import { defineConfig } from 'vitest/config';

export const TEST_TIMEOUT_MS = 60_000;

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'emulators/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: TEST_TIMEOUT_MS,
    hookTimeout: TEST_TIMEOUT_MS,
    pool: 'forks',
    reporters: ['default'],
  },
});
