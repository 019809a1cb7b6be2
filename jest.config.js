/**
 * Six tiers (README, "Tests"); `npm test` runs them all, `--selectProjects unit` the fast loop.
 * Only the tiers that talk to PostgreSQL name the global set-up: Jest runs a project's
 * globalSetup only when a test of that project runs, and runs one module once however many
 * projects name it.
 */
const shared = {
  testEnvironment: '<rootDir>/test/support/warnings-environment.ts',
  rootDir: '.',
  // tsconfig.json, emitting CommonJS for Jest: under `nodenext` the files of libs/client, a
  // package of ES modules ("type": "module"), would come out as ES modules that Jest cannot load.
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: { module: 'commonjs', moduleResolution: 'node10' } }],
  },
  moduleNameMapper: {
    '^@app/(.*)$': '<rootDir>/libs/$1/src',
    '^@notifier/client$': '<rootDir>/libs/client/src',
    '^@notifier/client/react$': '<rootDir>/libs/client/src/react',
    // libs/client is written as ES modules for browsers, whose relative imports end in `.js`.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  setupFilesAfterEnv: [
    '<rootDir>/test/support/tier-timeout.ts',
    '<rootDir>/test/support/no-leaks.ts',
  ],
};

const withPostgres = {
  ...shared,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30_000,
  maxWorkers: 2,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts', '<rootDir>/test/*.spec.ts'],
    },
    { ...withPostgres, displayName: 'e2e', testMatch: ['<rootDir>/test/*.e2e-spec.ts'] },
    {
      ...withPostgres,
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/*.e2e-spec.ts'],
      // Process start-ups and recoveries are slow on a busy 2-core machine; waits are bounded.
      globals: { tierTimeoutMs: 90_000 },
    },
    {
      ...withPostgres,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/*.e2e-spec.ts'],
      // Every wait in a page is bounded (10 s at most); this leaves room for a few of them.
      globals: { tierTimeoutMs: 60_000 },
    },
    { ...withPostgres, displayName: 'edge', testMatch: ['<rootDir>/test/edge/*.e2e-spec.ts'] },
    {
      ...withPostgres,
      displayName: 'image',
      testMatch: ['<rootDir>/test/image/*.e2e-spec.ts'],
      // Installs the production dependencies and builds the service first: minutes, not seconds.
      globals: { tierTimeoutMs: 120_000 },
    },
  ],
};
