import { GraphQLError, type ValidationRule } from 'graphql';

/**
 * Refuses an operation whose root type the schema lacks (here: every `subscription`), during
 * validation. graphql-js 16 has no such rule (17 adds `KnownOperationTypesRule`): without it the
 * document validates and `execute` throws "Schema is not configured to execute subscription
 * operation", which Apollo reports as a masked 500 and logs as a server error. As a validation
 * error it is the client's 400 GRAPHQL_VALIDATION_FAILED, before admission or any resolver runs.
 */
export const knownOperationTypesRule: ValidationRule = (context) => {
  const schema = context.getSchema();
  return {
    OperationDefinition(node) {
      const root = node.operation === 'query' ? schema.getQueryType() : node.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
      if (!root) context.reportError(new GraphQLError(`The ${node.operation} operation is not supported by the schema.`, { nodes: node }));
    },
  };
};
