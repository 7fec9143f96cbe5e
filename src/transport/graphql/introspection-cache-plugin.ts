import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { GraphQLContext } from './context';

/** Introspection root fields: their answers depend on the schema alone, never on the caller. */
const INTROSPECTION_FIELDS: ReadonlySet<string> = new Set(['__schema', '__type', '__typename']);

/**
 * Whether every root selection of `operation` is an introspection field (no spreads, no
 * directives that could skip them). Apollo hands no operation when `operationName` names none
 * of the document's: then nothing is cached and Apollo answers its own 400.
 */
function introspectionOnly(operation: OperationDefinitionNode | undefined): boolean {
  return operation !== undefined && operation.operation === 'query' && operation.selectionSet.selections.every(
    (s) => s.kind === Kind.FIELD && INTROSPECTION_FIELDS.has(s.name.value) && (s.directives?.length ?? 0) === 0,
  );
}

/**
 * The part of the cache key that stands for the request's variables, or undefined when the answer
 * is not cached: only flat variables (strings, numbers, booleans, null) are keyed, which is all
 * introspection takes (`__type(name:)`, `includeDeprecated:`). Variables arrive as the client's
 * JSON, unchecked and unused by an introspection-only operation: a nested value could be
 * thousands of levels deep, and serializing it would overflow the stack (a 500).
 */
function variablesKey(variables: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const entries = Object.entries(variables ?? {});
  return entries.every(([, value]) => value === null || typeof value !== 'object') ? JSON.stringify(entries) : undefined;
}

/**
 * Answers repeated introspection queries from memory. Executing the standard query walks the
 * whole schema (about 4 ms of CPU for ~55 KB of output here) and tools send the very same text
 * on every page load; the schema never changes while the server runs, so the answer is kept per
 * query hash, operation name and variables (flat ones only: see `variablesKey`). At most
 * `maxEntries` answers are held (oldest evicted), so varied queries cost memory no more than
 * they cost without the cache.
 */
export function introspectionCachePlugin(maxEntries = 8): ApolloServerPlugin<GraphQLContext> {
  const answers = new Map<string, Record<string, unknown>>();
  return {
    async requestDidStart() {
      let key: string | undefined;
      return {
        async responseForOperation({ operation, operationName, queryHash, request }) {
          if (!introspectionOnly(operation)) return null;
          const variables = variablesKey(request.variables);
          if (variables === undefined) return null;
          key = JSON.stringify([queryHash, operationName ?? null, variables]);
          const data = answers.get(key);
          if (data === undefined) return null;
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { data } } };
        },
        async willSendResponse({ response }) {
          if (key === undefined || answers.has(key) || response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (errors !== undefined || data === undefined || data === null) return;
          if (answers.size >= maxEntries) answers.delete(answers.keys().next().value as string);
          answers.set(key, data);
        },
      };
    },
  };
}
