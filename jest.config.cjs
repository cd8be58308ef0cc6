/**
 * Three tiers (see README "Tests"): unit (no database), integration (a real database with the real
 * migrations) and e2e (the real app over HTTP). Every database test file gets its own database, made
 * from a migrated template: embedded PGlite by default, PostgreSQL when TEST_DATABASE_URL is set.
 */
const { readFileSync } = require('node:fs');

const swcConfig = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swcConfig.$schema;

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', swcConfig] },
  // NestJS 12 and some of its dependencies ship ESM only.
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|content-disposition|jose)/)'],
  moduleNameMapper: { '^@loopmeter/shared$': '<rootDir>/shared/src/index.ts' },
};

module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/server/src/**/*.spec.ts', '<rootDir>/shared/src/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
