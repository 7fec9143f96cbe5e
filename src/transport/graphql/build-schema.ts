import 'reflect-metadata';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { buildSchemaSync } from 'type-graphql';
import { declareDirectives } from '../../directives';
import { AccountResolver } from './resolvers/account.resolver';
import { BalanceResolver } from './resolvers/balance.resolver';
import { ApiKeyResolver } from './resolvers/api-key.resolver';
import { MarketDataResolver } from './resolvers/market-data.resolver';
import { OrderFieldsResolver } from './resolvers/order-fields.resolver';
import { TransferFieldsResolver } from './resolvers/transfer-fields.resolver';
import { OrderResolver } from './resolvers/order.resolver';
import { PlaceOrderPayloadResolver } from './resolvers/place-order-payload.resolver';
import { QueryResolver } from './resolvers/query.resolver';
import { TransferResolver } from './resolvers/transfer.resolver';

/** Descriptions of the root types, which type-graphql cannot set. */
const ROOT_DESCRIPTIONS: Readonly<Record<string, string>> = {
  Query: 'Reads. markets, serverTime and the market data (orderBook, trades, ticker) are public; the others need a request signed (RFC 9421) with a READ key.',
  Mutation: 'Writes. Each needs a request signed (RFC 9421) with a key holding the scope it names; business refusals arrive as userErrors in its payload.',
};

/**
 * Builds the schema from the type-graphql resolvers, with Signet's directives declared.
 * Resolvers are wrapped by `applyDirectiveTransformers` when a server is created. It depends on nothing at
 * run time (services arrive in the context), so `npm run schema` can print it offline.
 */
export function buildSignetSchema(): GraphQLSchema {
  const built = buildSchemaSync({
    resolvers: [QueryResolver, MarketDataResolver, AccountResolver, BalanceResolver, OrderResolver, OrderFieldsResolver, PlaceOrderPayloadResolver, TransferResolver, TransferFieldsResolver, ApiKeyResolver],
    validate: { forbidUnknownValues: false, stopAtFirstError: false },
  });
  const described = mapSchema(built, {
    [MapperKind.ROOT_OBJECT]: (type) => new GraphQLObjectType({ ...type.toConfig(), description: ROOT_DESCRIPTIONS[type.name] ?? type.description }),
  });
  return declareDirectives(described);
}
