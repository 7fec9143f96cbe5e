import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { applyDirectiveTransformers, type DirectiveDeps } from '../../directives';
import { admissionPlugin } from './admission-plugin';
import { responsePlugin } from './response-plugin';
import { countedFormatError, metricsPlugin } from './metrics-plugin';
import type { SignetMetrics } from '../../metrics';
import type { GraphQLContext } from './context';
import { createFormatError } from './format-error';
import { createDependencyWarnings } from '../../dependency-warnings';
import { createDocumentStore } from './document-store';
import { introspectionCachePlugin } from './introspection-cache-plugin';
import type { ListBounds } from './query-cost';
import { introspectionAliasRule, introspectionLimitRule, onlyWithSchemaIntrospection } from './introspection-limit-rule';
import { knownOperationTypesRule } from './known-operation-types.rule';
import { selectionLimitsRule } from './selection-limits.rule';

/** Limits on query shape, enforced during validation before anything executes. */
export const QUERY_LIMITS = Object.freeze({
  /** Deepest selection allowed (`__schema` is exempt: its standard query nests `ofType` nine deep). */
  maxDepth: 10,
  /**
   * Cost budget per operation, with its variables (`query-cost.ts`): each field 1, a page its
   * selection once per item. A full page of 100 orders with all their scalar fields costs 2,302;
   * 100 orders with 100 fills each, even with two fields a fill, 30,302.
   */
  maxCost: 5000,
  /**
   * Cost budget per operation with `__schema` counted. The standard introspection query costs
   * 87,498 with every getIntrospectionQuery option on (GraphiQL's, 87,485; the default, 87,383):
   * one fits, a second copy of its type list does not.
   */
  maxCostWithIntrospection: 100_000,
  /** `__schema` fields per document: one introspection per request. */
  maxSchemaFields: 1,
  /** `__type` fields per document: a few lookups. */
  maxTypeFields: 5,
  /** Aliases per operation: each aliased mutation is a separate call. */
  maxAliases: 15,
  /** Directives per operation. */
  maxDirectives: 20,
  /** Tokens per document; bounds parser work. */
  maxTokens: 2000,
  /**
   * Fields with one response name merged at one place of the response (`selection-limits.rule.ts`):
   * graphql-js compares them pair by pair. Every document in this repository, the standard
   * introspection query included, has 1; clients that add `id` or `__typename` next to
   * fragments that select them too (Apollo Client adds `__typename` to every selection set,
   * fragments included) reach one more than the fragments they spread at one place. At 30,
   * validating the worst such document costs a few milliseconds (×490: 250–550 ms).
   */
  maxFieldsPerResponseName: 30,
  /** Fragment spreads merged at one place: compared pair by pair too. Documents here spread 1 at most. */
  maxFragmentSpreadsPerSelectionSet: 30,
  /**
   * Selections of a document with each fragment counted wherever it is spread: the token limit,
   * so only fragments that multiply reach it. The introspection query with every option has 489.
   */
  maxExpandedSelections: 2000,
});

/** Options of the GraphQL server. */
export interface ApolloOptions {
  readonly schema: GraphQLSchema;
  readonly logger: Logger;
  /** Serve introspection (schema discovery). */
  readonly introspection: boolean;
  /** Unmasked errors and stack traces: only with NODE_ENV=development. */
  readonly development: boolean;
  /** Stores and policy the directive transformers use. */
  readonly directives: DirectiveDeps;
  /** Where operations and response errors are counted (metrics-plugin.ts); absent: not counted. */
  readonly metrics?: SignetMetrics;
  /** Extra plugins (the HTTP layer adds the drain plugin). */
  readonly plugins?: ApolloServerPlugin<GraphQLContext>[];
  /** Bounds of the unsized lists in the cost budget (query-cost.ts); default those of the default open-order limit. */
  readonly listBounds?: ListBounds;
}

/** Builds the Apollo server with Signet's error model and query limits. */
export function createApolloServer(options: ApolloOptions): ApolloServer<GraphQLContext> {
  // One reporter for the store failures met while serving GraphQL (fields, @idempotent, the admission's leases).
  const directives: DirectiveDeps = options.directives.dependencyWarnings
    ? options.directives
    : { ...options.directives, dependencyWarnings: createDependencyWarnings({ logger: options.logger, metrics: options.metrics }) };
  const armor = new ApolloArmor({
    maxDepth: { n: QUERY_LIMITS.maxDepth },
    // Costed with the variables, after validation (admission plugin); armor's rule sees only literals.
    costLimit: { enabled: false },
    maxAliases: { n: QUERY_LIMITS.maxAliases },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives },
    // Token limits go through Apollo's own parser (parseOptions below): armor's plugin turns syntax errors into 500s.
    maxTokens: { enabled: false },
    // Suggestions are hidden by Apollo itself (hideSchemaDetailsFromClientErrors below), enum values included.
    blockFieldSuggestion: { enabled: false },
  });
  const protection = armor.protect();
  // Introspection's own budget (armor's cost model, `__schema` counted), only for documents that
  // introspect the schema: the application budget above leaves `__schema` out.
  const introspectionCost = new ApolloArmor({
    costLimit: { maxCost: QUERY_LIMITS.maxCostWithIntrospection, ignoreIntrospection: false },
    maxDepth: { enabled: false },
    maxAliases: { enabled: false },
    maxDirectives: { enabled: false },
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return new ApolloServer<GraphQLContext>({
    schema: applyDirectiveTransformers(options.schema, directives),
    introspection: options.introspection,
    // With introspection off, no "Did you mean …?" in errors: armor's pattern misses graphql-js's
    // enum wording ('Did you mean the enum value "MANAGE_KEYS"?'), which named the schema's values.
    hideSchemaDetailsFromClientErrors: !options.introspection,
    // A request carrying Signature/Signature-Input cannot come from a form or a simple cross-site
    // request (a browser preflights those headers), so it counts as preflighted: signed GET queries
    // (urql's default) work. Apollo's own two preflight headers still count.
    csrfPrevention: { requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', 'signature', 'signature-input'] },
    allowBatchedHttpRequests: false,
    persistedQueries: false,
    // Parsed documents, bounded by what they hold (their source and tokens), not by Apollo's JSON size.
    documentStore: createDocumentStore(),
    // The process owner (serve.ts) handles SIGTERM: Apollo's own handler would re-kill the process mid-drain.
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: QUERY_LIMITS.maxTokens },
    includeStacktraceInErrorResponses: options.development,
    formatError: countedFormatError(createFormatError({ logger: options.logger, development: options.development, hideSuggestions: !options.introspection, warnings: directives.dependencyWarnings })),
    validationRules: [
      // Counts `__schema`/`__type` on entering the document (a linear walk), so its more precise
      // reason comes first; then the selection limits, which on a document over them stop the
      // pass there, before any rule (graphql-js's overlap rule included) walks a selection set.
      introspectionLimitRule({ maxSchemaFields: QUERY_LIMITS.maxSchemaFields, maxTypeFields: QUERY_LIMITS.maxTypeFields }),
      selectionLimitsRule({
        maxFieldsPerResponseName: QUERY_LIMITS.maxFieldsPerResponseName,
        maxFragmentSpreadsPerSelectionSet: QUERY_LIMITS.maxFragmentSpreadsPerSelectionSet,
        maxExpandedSelections: QUERY_LIMITS.maxExpandedSelections,
      }),
      knownOperationTypesRule,
      introspectionAliasRule,
      ...protection.validationRules,
      ...introspectionCost.validationRules.map(onlyWithSchemaIntrospection),
    ],
    plugins: [...protection.plugins, ...introspectionCost.plugins, introspectionCachePlugin(), ApolloServerPluginLandingPageDisabled(), admissionPlugin(directives, { maxCost: QUERY_LIMITS.maxCost, listBounds: options.listBounds }), responsePlugin(), ...(options.metrics ? [metricsPlugin(options.metrics)] : []), ...(options.plugins ?? [])],
    logger: options.logger,
  });
}
