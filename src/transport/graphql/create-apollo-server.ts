import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { applyDirectiveTransformers, type DirectiveDeps } from '../../directives';
import { admissionPlugin } from './admission-plugin';
import { responsePlugin } from './response-plugin';
import type { GraphQLContext } from './context';
import { createFormatError } from './format-error';
import { knownOperationTypesRule } from './known-operation-types.rule';

/** Limits on query shape, enforced during validation before anything executes. */
export const QUERY_LIMITS = Object.freeze({
  /** Deepest selection allowed (introspection is exempt). */
  maxDepth: 10,
  /** Cost budget per operation (graphql-armor's cost model: objects 2, scalars 1, depth multiplier 1.5). */
  maxCost: 5000,
  /** Aliases per operation: each aliased mutation is a separate call. */
  maxAliases: 15,
  /** Directives per operation. */
  maxDirectives: 20,
  /** Tokens per document; bounds parser work. */
  maxTokens: 2000,
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
  /** Extra plugins (the HTTP layer adds the drain plugin). */
  readonly plugins?: ApolloServerPlugin<GraphQLContext>[];
}

/** Builds the Apollo server with Signet's error model and query limits. */
export function createApolloServer(options: ApolloOptions): ApolloServer<GraphQLContext> {
  const armor = new ApolloArmor({
    maxDepth: { n: QUERY_LIMITS.maxDepth },
    costLimit: { maxCost: QUERY_LIMITS.maxCost },
    maxAliases: { n: QUERY_LIMITS.maxAliases },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives },
    // Token limits go through Apollo's own parser (parseOptions below): armor's plugin turns syntax errors into 500s.
    maxTokens: { enabled: false },
    // "Did you mean …" suggestions reveal field names when introspection is off.
    blockFieldSuggestion: { enabled: !options.introspection },
  });
  const protection = armor.protect();
  return new ApolloServer<GraphQLContext>({
    schema: applyDirectiveTransformers(options.schema, options.directives),
    introspection: options.introspection,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    persistedQueries: false,
    // The process owner (serve.ts) handles SIGTERM: Apollo's own handler would re-kill the process mid-drain.
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: QUERY_LIMITS.maxTokens },
    includeStacktraceInErrorResponses: options.development,
    formatError: createFormatError({ logger: options.logger, development: options.development }),
    validationRules: [knownOperationTypesRule, ...protection.validationRules],
    plugins: [...protection.plugins, ApolloServerPluginLandingPageDisabled(), admissionPlugin(options.directives), responsePlugin(), ...(options.plugins ?? [])],
    logger: options.logger,
  });
}
