import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The CLI tests run the built bin: rebuild it first when any source changed.
    globalSetup: ['test/build-cli.global-setup.ts'],
    testTimeout: 20_000,
    pool: 'forks',
  },
});
