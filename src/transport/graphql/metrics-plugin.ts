import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type SelectionSetNode, type FragmentDefinitionNode, type GraphQLFormattedError } from 'graphql';
import { noteErrorCode, noteOperation } from '../request-scope';
import type { SignetMetrics } from '../../metrics';
import type { GraphQLContext } from './context';

/**
 * The root fields an operation selects, by their schema name (an alias is the client's name for
 * the answer, not a field), fragments followed; each once. The operation passed validation, so
 * every name is a field of the schema's root type or a meta-field.
 */
function rootFieldNames(selectionSet: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, names = new Set<string>(), seen = new Set<string>()): Set<string> {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) names.add(selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT) rootFieldNames(selection.selectionSet, fragments, names, seen);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = fragments[selection.name.value];
      if (fragment) rootFieldNames(fragment.selectionSet, fragments, names, seen);
    }
  }
  return names;
}

/**
 * Apollo's formatError with each formatted error's code noted for the request's answer
 * (request-scope.ts): every `errors` body Apollo writes passes through it, those of its own
 * refusals before any plugin runs (CSRF, malformed parameters) included, and each error once. The
 * HTTP layer counts the codes in `signet_graphql_errors_total` when the answer is sent
 * (transport/http/sent-errors.ts), beside its own refusals'. Codes are the server's
 * (format-error.ts), never a client's text.
 */
export function countedFormatError(format: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const result = format(formatted, error);
    const code = result.extensions?.code;
    noteErrorCode(typeof code === 'string' ? code : 'UNKNOWN');
    return result;
  };
}

/** Longest operation name an access line holds: the client's text. */
const MAX_LOGGED_OPERATION_NAME = 64;

/**
 * Counts operations that passed validation by type and root field (`signet_graphql_operations_total`),
 * and tells the request scope what ran, for the request's access line (request-log.ts).
 */
export function metricsPlugin(metrics: SignetMetrics): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document }) {
          if (!operation) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
          const fields = [...rootFieldNames(operation.selectionSet, fragments)];
          for (const field of fields) metrics.graphqlOperations.inc({ type: operation.operation, field });
          const name = operation.name?.value;
          noteOperation({ type: operation.operation, ...(name === undefined ? {} : { name: name.slice(0, MAX_LOGGED_OPERATION_NAME) }), fields });
        },
      };
    },
  };
}
