/**
 * Jest configuration: TypeScript through ts-jest (transpile only; `npm run typecheck` checks types).
 * Three projects, sorted by test/jest-projects.js from what each file does: unit (in-process),
 * integration (PostgreSQL, Redis, PGlite, sockets, child processes) and e2e (runs the built app).
 * Only e2e has the global setup (the incremental build of dist/): Jest runs a project's
 * globalSetup only when that project has a test in the run, so `npm run test:unit` and a run of a
 * few unit or integration files never build.
 */
const { availableParallelism } = require('node:os');
const { PROJECTS, testFilesByProject } = require('./test/jest-projects');

/** Settings every project shares. */
const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/packages', '<rootDir>/examples'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // The workspace packages by their names, from their sources (the app's dist/ uses their builds).
  moduleNameMapper: {
    '^@signet/([a-z0-9-]+)/testing$': '<rootDir>/packages/$1/src/testing',
    '^@signet/([a-z0-9-]+)/node$': '<rootDir>/packages/$1/src/node',
    '^@signet/([a-z0-9-]+)$': '<rootDir>/packages/$1/src',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // PGlite's dynamic imports of Node built-ins, so plain `npx jest` needs no node flag (see the file).
    '[\\\\/]@electric-sql[\\\\/]pglite[\\\\/]dist[\\\\/].+\\.cjs$': '<rootDir>/test/builtin-dynamic-import.transformer.js',
  },
  transformIgnorePatterns: ['[\\\\/]node_modules[\\\\/](?!@electric-sql[\\\\/]pglite[\\\\/])'],
  modulePathIgnorePatterns: ['<rootDir>/packages/[^/]+/dist/', '<rootDir>/examples/[^/]+/dist/'],
  // reflect-metadata for type-graphql; every new in-memory PGlite from one dump of a new database (see the file).
  setupFiles: ['reflect-metadata', '<rootDir>/test/pglite-template.setup.ts'],
};

/** What only one project needs. */
const ONLY = {
  // Brings dist/ (and the playground bundle) up to date for the suites that run it.
  e2e: { globalSetup: '<rootDir>/test/global-setup.js' },
};

const files = testFilesByProject(__dirname);

module.exports = {
  projects: PROJECTS.map((name) => ({
    ...shared,
    ...ONLY[name],
    displayName: name,
    // Exactly this project's files (jest-projects.js lists *.test.ts under the roots, on each start:
    // a file added while `jest --watch` runs joins at the next start).
    testMatch: files[name].map((file) => `<rootDir>/${file}`),
  })),
  // One worker per core and one more (Jest's default leaves one core to itself): many suites wait
  // on servers, child processes and Redis windows, and the extra worker fills those waits.
  // `npm test` on a fresh clone, 2 cores: 1,043 s with one worker per core; 800 s and 915 s in two
  // runs with one more (the machine then busy 185-187% of its 200%).
  maxWorkers: availableParallelism() + 1,
  testTimeout: 30000,
};
