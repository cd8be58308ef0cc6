/**
 * The reliability suite (issue #9): SIGKILL during ingest, a PostgreSQL outage, redelivery in any order, fuzzed
 * payloads, slow and oversized requests. Minutes long, so it is not part of `npm test`: run it with
 * `npm run test:reliability` (builds first; the kill and outage tests run the built server as a process).
 * See docs/reliability.md.
 */
const root = require('../../jest.config.cjs');
const { projects, ...shared } = root;
const common = { ...projects[0] };
delete common.displayName;
delete common.testMatch;

module.exports = {
  ...shared,
  rootDir: require('node:path').resolve(__dirname, '../..'),
  // The tests start servers and database clusters of their own and measure memory: one file at a time.
  maxWorkers: 1,
  // Child servers and sockets are cleaned up in afterAll; do not wait on keep-alive handles afterwards.
  forceExit: true,
  testTimeout: 600_000,
  projects: [{ ...common, rootDir: require('node:path').resolve(__dirname, '../..'), displayName: 'reliability', testMatch: ['<rootDir>/test/reliability/**/*.test.ts'] }],
};
