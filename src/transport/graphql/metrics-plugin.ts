import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type SelectionSetNode, type FragmentDefinitionNode } from 'graphql';
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
 * Counts operations that passed validation by type and root field
 * (`signet_graphql_operations_total`), and every error a GraphQL response carries by its code
 * (`signet_graphql_errors_total`), also those beside partial data and those refused before
 * execution (parse, validation, admission). Codes are the server's (format-error.ts), never a
 * client's text.
 */
export function metricsPlugin(metrics: SignetMetrics): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document }) {
          if (!operation) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
          for (const field of rootFieldNames(operation.selectionSet, fragments)) metrics.graphqlOperations.inc({ type: operation.operation, field });
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          for (const error of response.body.singleResult.errors ?? []) {
            const code = error.extensions?.code;
            metrics.graphqlErrors.inc({ code: typeof code === 'string' ? code : 'UNKNOWN' });
          }
        },
      };
    },
  };
}
