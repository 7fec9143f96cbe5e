/** Jest configuration: TypeScript through ts-jest (transpile only; `npm run typecheck` checks types). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/packages', '<rootDir>/examples'],
  testMatch: ['**/*.test.ts'],
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
  setupFiles: ['reflect-metadata'],
  globalSetup: '<rootDir>/test/global-setup.js',
  testTimeout: 30000,
};
