import { Arg, Ctx, Directive, ID, Query, Resolver } from 'type-graphql';
import { MARKETS, type Account } from '../../../domain';
import { requirePrincipal, type GraphQLContext } from '../context';
import { AccountType, MarketType, OrderType } from '../types/models';

/** Entry points for reading. */
@Resolver()
export class QueryResolver {
  @Query(() => AccountType, { nullable: true, description: 'The account of the signing key.' })
  @Directive('@rateLimit(max: 600, window: "1m")')
  @Directive('@signed(scopes: [READ])')
  async me(@Ctx() ctx: GraphQLContext): Promise<Account | null> {
    return ctx.services.accounts.findAccount(requirePrincipal(ctx).accountId);
  }

  @Query(() => OrderType, { nullable: true, description: 'One of your orders by id; null when it does not exist or is not yours.' })
  @Directive('@rateLimit(max: 600, window: "1m")')
  @Directive('@signed(scopes: [READ])')
  async order(@Arg('id', () => ID, { description: 'The order id returned by placeOrder or listed in me.orders.' }) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.services.orders.findOrder(requirePrincipal(ctx).accountId, id);
  }

  @Query(() => [MarketType], { nullable: true, description: 'Listed markets and their trading rules. Public.' })
  @Directive('@rateLimit(max: 300, window: "1m")')
  markets(): MarketType[] {
    return [...MARKETS.values()].map((m) => ({
      symbol: m.symbol, baseAsset: m.baseAsset as MarketType['baseAsset'], quoteAsset: m.quoteAsset as MarketType['quoteAsset'],
      tickSize: m.tickSize.toFixed(), lotSize: m.lotSize.toFixed(), minQuantity: m.minQuantity.toFixed(), maxQuantity: m.maxQuantity.toFixed(), maxPrice: m.maxPrice.toFixed(),
    }));
  }

  @Query(() => Date, { nullable: true, description: 'The server clock; signatures must be created within the allowed window of it. Public.' })
  @Directive('@rateLimit(max: 300, window: "1m")')
  serverTime(@Ctx() ctx: GraphQLContext): Date {
    return ctx.services.clock();
  }
}
