import 'reflect-metadata';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { ApolloServer } from '@apollo/server';
import { print, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { ALL_SCOPES, type DomainServices, type Principal, type Scope } from '../../src/domain';
import type { DirectiveDeps } from '../../src/directives';
import { buildSignetSchema } from '../../src/transport/graphql/build-schema';
import { emptyExchange, type HttpExchange } from '../../src/transport/graphql/context';
import { directiveDepsFor } from './directives';
import type { GraphQLContext } from '../../src/transport/graphql/context';
import { createApolloServer } from '../../src/transport/graphql/create-apollo-server';
import { requestScope } from '../../src/transport/request-scope';
import { silentLogger } from './logger';

/** A response: typed data, GraphQL errors, top-level extensions, and the exchange (response headers the plugin copied out). */
export interface TestResult<T> { data: T | null | undefined; errors: readonly GraphQLFormattedError[] | undefined; extensions?: Record<string, unknown>; http: HttpExchange }

/** Runs operations in process against the real schema, acting as `principal` (tests only). */
export interface TestGraphQL {
  /** `headers` are the request headers (lowercase names), e.g. `{ 'idempotency-key': 'k-1' }`; `clientIp` the caller's address (default 127.0.0.1). */
  execute<T, V extends Record<string, unknown>>(document: TypedDocumentNode<T, V> | string, variables?: V, principal?: Principal | null, headers?: HttpExchange['requestHeaders'], clientIp?: string): Promise<TestResult<T>>;
  stop(): Promise<void>;
}

/** A principal for an account with the given scopes (all by default). */
export function principalFor(accountId: string, scopes: readonly Scope[] = ALL_SCOPES): Principal {
  return { accountId, keyId: 'key_test', scopes };
}

/** Builds the Apollo server exactly as production does and executes through it (no HTTP). */
export async function createTestGraphQL(services: DomainServices, options: { logger?: Logger; development?: boolean; directives?: DirectiveDeps; introspection?: boolean } = {}): Promise<TestGraphQL> {
  const server: ApolloServer<GraphQLContext> = createApolloServer({
    schema: buildSignetSchema(), logger: options.logger ?? silentLogger, introspection: options.introspection ?? true, development: options.development ?? false,
    directives: options.directives ?? directiveDepsFor(services),
  });
  await server.start();
  let n = 0;
  return {
    async execute(document, variables, principal = null, headers = {}, clientIp = '127.0.0.1') {
      const requestId = `test-request-${++n}`;
      const query = typeof document === 'string' ? document : print(document);
      const http = emptyExchange(clientIp, headers);
      const response = await requestScope.run({ requestId }, () => server.executeOperation(
        { query, variables },
        { contextValue: { requestId, principal, services, http } },
      ));
      if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
      const { data, errors, extensions } = response.body.singleResult;
      return { data: data as never, errors, extensions, http };
    },
    stop: () => server.stop(),
  };
}
