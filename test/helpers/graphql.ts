import 'reflect-metadata';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { ApolloServer } from '@apollo/server';
import { print, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { ALL_SCOPES, type DomainServices, type Principal, type Scope } from '../../src/domain';
import type { DirectiveDeps } from '../../src/directives';
import { buildSignetSchema } from '../../src/transport/graphql/build-schema';
import { emptyExchange } from '../../src/transport/graphql/context';
import { directiveDepsFor } from './directives';
import type { GraphQLContext } from '../../src/transport/graphql/context';
import { createApolloServer } from '../../src/transport/graphql/create-apollo-server';
import { requestScope } from '../../src/transport/request-scope';
import { silentLogger } from './logger';

/** A response: typed data and GraphQL errors. */
export interface TestResult<T> { data: T | null | undefined; errors: readonly GraphQLFormattedError[] | undefined }

/** Runs operations in process against the real schema, acting as `principal` (tests only). */
export interface TestGraphQL {
  execute<T, V extends Record<string, unknown>>(document: TypedDocumentNode<T, V> | string, variables?: V, principal?: Principal | null): Promise<TestResult<T>>;
  stop(): Promise<void>;
}

/** A principal for an account with the given scopes (all by default). */
export function principalFor(accountId: string, scopes: readonly Scope[] = ALL_SCOPES): Principal {
  return { accountId, keyId: 'key_test', scopes };
}

/** Builds the Apollo server exactly as production does and executes through it (no HTTP). */
export async function createTestGraphQL(services: DomainServices, options: { logger?: Logger; development?: boolean; directives?: DirectiveDeps } = {}): Promise<TestGraphQL> {
  const server: ApolloServer<GraphQLContext> = createApolloServer({
    schema: buildSignetSchema(), logger: options.logger ?? silentLogger, introspection: true, development: options.development ?? false,
    directives: options.directives ?? directiveDepsFor(services),
  });
  await server.start();
  let n = 0;
  return {
    async execute(document, variables, principal = null) {
      const requestId = `test-request-${++n}`;
      const query = typeof document === 'string' ? document : print(document);
      const response = await requestScope.run({ requestId }, () => server.executeOperation(
        { query, variables },
        { contextValue: { requestId, principal, services, http: emptyExchange() } },
      ));
      if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
      return { data: response.body.singleResult.data as never, errors: response.body.singleResult.errors };
    },
    stop: () => server.stop(),
  };
}
