/**
 * Browser tests: headless Chromium driven by playwright-core against the real app. They reuse the e2e
 * project of the root config (swc transform, the migrated template database) in their own jest run
 * (`npm run test:browser`), after the web app is built (`npm test` builds it first).
 */
const root = require('../../jest.config.cjs');

const e2e = root.projects.find((p) => p.displayName === 'e2e');

module.exports = {
  rootDir: root.projects[0].rootDir,
  globalSetup: root.globalSetup,
  globalTeardown: root.globalTeardown,
  maxWorkers: 1,
  testTimeout: 120_000,
  projects: [
    { ...e2e, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.test.ts'] },
  ],
};
