/**
 * Dependency rules of src/ (issue 15), checked by `npm run depcheck` in CI and in
 * test/dependency-rules.test.ts. Type-only imports count: a cycle of types
 * still ties the modules together and blocks moving one of them out on its own.
 * depcheck also walks bench/, scripts/ and test/ (not test/fixtures/dependency-rules/, whose
 * violations are deliberate): there only the path-free rules bite (no cycles, every import resolves).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles anywhere: move shared types to a leaf file or pass a function instead.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-self-contained',
      severity: 'error',
      comment: 'src/domain imports only itself, Node built-ins and npm packages (no GraphQL, HTTP, stores, config), plus @signet/http-message-signatures for the key-validity rule.',
      from: { path: '^src/domain/' },
      // @signet/http-message-signatures is allowed for the Ed25519 key-validity check (RFC 8032
      // decoding, small-order points): a protocol rule the verifier enforces too, written once there.
      to: { pathNot: ['^src/domain/', '(^|/)node_modules/', '^packages/http-message-signatures/src/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'directives-not-to-transport-stores-or-main',
      severity: 'error',
      comment: 'Directives own ports; transports and stores depend on them, never the other way round.',
      from: { path: '^src/directives/' },
      to: { path: ['^src/transport/', '^src/stores/', '^src/main\\.ts$'] },
    },
    {
      name: 'stores-not-to-serving-transports',
      severity: 'error',
      comment: 'Store adapters implement ports; they never reach into the HTTP, GraphQL, CLI or playground layers.',
      from: { path: '^src/stores/' },
      to: { path: '^src/transport/(http|graphql|cli|playground)/' },
    },
    {
      name: 'packages-not-to-app',
      severity: 'error',
      comment: 'Workspace packages (packages/*) are for any GraphQL server: they never import the Signet app, its tests or its tools.',
      from: { path: '^packages/' },
      to: { path: '^(src|test|bench|scripts|examples)/' },
    },
    {
      name: 'directive-rate-limit-only-its-core',
      severity: 'error',
      comment: 'The @rateLimit package imports only its core (@signet/rate-limit), graphql and @graphql-tools/utils: the host gives it everything else as functions.',
      from: { path: '^packages/directive-rate-limit/src/' },
      to: { pathNot: ['^packages/directive-rate-limit/src/', '^packages/rate-limit/src/', '(^|/)node_modules/(graphql|@graphql-tools/utils)/'] },
    },
    {
      name: 'rate-limit-no-graphql',
      severity: 'error',
      comment: 'The rate limiter and its Redis adapter know nothing of GraphQL: the directive is a package of its own.',
      from: { path: '^packages/rate-limit(-redis)?/src/' },
      to: { path: ['(^|/)node_modules/(graphql|@graphql-tools/[^/]+)/', '^packages/directive-'] },
    },
    {
      name: 'directive-idempotent-only-its-core',
      severity: 'error',
      comment: 'The @idempotent package imports only its core (@signet/idempotency), graphql and @graphql-tools/utils: the host gives it everything else as functions.',
      from: { path: '^packages/directive-idempotent/src/' },
      to: { pathNot: ['^packages/directive-idempotent/src/', '^packages/idempotency/src/', '(^|/)node_modules/(graphql|@graphql-tools/utils)/'] },
    },
    {
      name: 'idempotency-no-graphql',
      severity: 'error',
      comment: 'The exactly-once core and its Redis and PostgreSQL adapters know nothing of GraphQL: the directive is a package of its own.',
      from: { path: '^packages/idempotency(-redis|-postgres)?/src/' },
      to: { path: ['(^|/)node_modules/(graphql|@graphql-tools/[^/]+)/', '^packages/directive-'] },
    },
    {
      name: 'http-message-signatures-no-graphql-no-http-framework',
      severity: 'error',
      comment: 'RFC 9421/9530 for any HTTP stack: the signature packages import no GraphQL, no HTTP framework and no directive package.',
      from: { path: '^packages/http-message-signatures(-redis)?/' },
      to: {
        path: [
          '(^|/)node_modules/(graphql|@graphql-tools/[^/]+|@apollo/[^/]+|@as-integrations/[^/]+|@envelop/[^/]+|graphql-yoga|fastify|@fastify/[^/]+|express|koa|hono)/',
          '^packages/directive-',
        ],
      },
    },
    {
      name: 'http-message-signatures-main-entry-is-browser-safe',
      severity: 'error',
      comment: 'The main entry of @signet/http-message-signatures bundles for browsers (SDK, playground): Node built-ins only under src/node/ (the /node entry) and src/testing/.',
      from: { path: '^packages/http-message-signatures/src/', pathNot: '^packages/http-message-signatures/src/(node|testing)/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'directive-signed-imports-only-its-core-and-graphql',
      severity: 'error',
      comment: '@signet/directive-signed imports only itself, @signet/http-message-signatures, graphql and @graphql-tools/utils: the host passes everything else in.',
      from: { path: '^packages/directive-signed/src/' },
      to: {
        pathNot: ['^packages/directive-signed/src/', '^packages/http-message-signatures/src/', '(^|/)node_modules/(graphql|@graphql-tools/utils)/'],
      },
    },
    {
      name: 'sdk-runs-in-browsers',
      severity: 'error',
      comment: '@signet/sdk is for Node 20+ and browsers: it imports only itself, the main entry of @signet/http-message-signatures (never /node or /testing), graphql, @graphql-typed-document-node/core and structured-headers (pure JavaScript); no Node built-ins.',
      from: { path: '^packages/sdk/src/' },
      to: {
        pathNot: ['^packages/sdk/src/', '^packages/http-message-signatures/src/(?!node/|testing/)', '(^|/)node_modules/(graphql|@graphql-typed-document-node/core|structured-headers)/'],
      },
    },
    {
      name: 'example-servers-use-packages-only',
      severity: 'error',
      comment: 'The example servers prove that any GraphQL server can use the directive packages: they import @signet/* by name, never the Signet app, its tests or tools.',
      from: { path: '^examples/(notes-apollo|payments-yoga)/src/' },
      to: { path: '^(src|test|bench|scripts|dist)/' },
    },
    {
      name: 'examples-not-to-app',
      severity: 'error',
      comment: 'Nothing else in examples/ imports the app\'s sources either (examples/test-kit may use test/helpers, e.g. its own redis-server).',
      from: { path: '^examples/', pathNot: '^examples/(notes-apollo|payments-yoga)/src/' },
      to: { path: '^src/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import the resolver cannot find is a typo or a missing package, not a dependency to ignore.',
      from: {},
      // scripts/ load the compiled app from ../dist/ (built by `npm run build` or the tests' global
      // setup), which a fresh clone does not have yet when this check runs in CI.
      to: { couldNotResolve: true, pathNot: ['^\\.\\./dist/'] },
    },
  ],
  options: {
    doNotFollow: { path: '(^|/)node_modules/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    // Type-only packages (no `main`, e.g. @graphql-typed-document-node/core) resolve through
    // their `types`/`typings` entry.
    enhancedResolveOptions: {
      exportsFields: ['exports'], conditionNames: ['require', 'node', 'default', 'types'], mainFields: ['main', 'types', 'typings'],
    },
  },
};
