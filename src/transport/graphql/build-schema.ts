import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchemaSync } from 'type-graphql';
import { declareDirectives } from '../../directives';
import { AccountResolver } from './resolvers/account.resolver';
import { BalanceResolver } from './resolvers/balance.resolver';
import { ApiKeyResolver } from './resolvers/api-key.resolver';
import { OrderResolver } from './resolvers/order.resolver';
import { QueryResolver } from './resolvers/query.resolver';
import { TransferResolver } from './resolvers/transfer.resolver';

/**
 * Builds the schema from the type-graphql resolvers, with Signet's directives declared.
 * Resolvers are wrapped by `applyDirectiveTransformers` when a server is created. It depends on nothing at
 * run time (services arrive in the context), so `npm run schema` can print it offline.
 */
export function buildSignetSchema(): GraphQLSchema {
  return declareDirectives(buildSchemaSync({
    resolvers: [QueryResolver, AccountResolver, BalanceResolver, OrderResolver, TransferResolver, ApiKeyResolver],
    validate: { forbidUnknownValues: false, stopAtFirstError: false },
  }));
}
