/** Jest configuration: TypeScript through ts-jest (transpile only; `npm run typecheck` checks types). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // PGlite's dynamic imports of Node built-ins, so plain `npx jest` needs no node flag (see the file).
    '[\\\\/]@electric-sql[\\\\/]pglite[\\\\/]dist[\\\\/].+\\.cjs$': '<rootDir>/test/builtin-dynamic-import.transformer.js',
  },
  transformIgnorePatterns: ['[\\\\/]node_modules[\\\\/](?!@electric-sql[\\\\/]pglite[\\\\/])'],
  setupFiles: ['reflect-metadata'],
  globalSetup: '<rootDir>/test/global-setup.js',
  testTimeout: 30000,
};
