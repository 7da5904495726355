import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['apps/*/src/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    // The browser tests drive the built web app: built first when its sources changed since the last build.
    // And npm start, compose and the Dockerfile run the servers' build in dist/.
    globalSetup: ['tests/web/build-web.ts', 'tests/build-servers.ts'],
    // Route and end-to-end tests bind real loopback ports; two cores is the CI machine's size.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
