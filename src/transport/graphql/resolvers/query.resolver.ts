import { Arg, Ctx, Directive, ID, Query, Resolver } from 'type-graphql';
import { MARKETS, type Account, type Order, type Transfer } from '../../../domain';
import { BadUserInputError } from '../../../errors';
import { requirePrincipal, type GraphQLContext } from '../context';
import { CLIENT_ID, MAX_CLIENT_ORDER_ID_LENGTH, MAX_CLIENT_TRANSFER_ID_LENGTH } from '../types/inputs';
import { AccountType, MarketType, OrderType, TransferType } from '../types/models';

/** Entry points for reading. */
@Resolver()
export class QueryResolver {
  @Query(() => AccountType, { nullable: true, description: 'The account of the signing key.' })
  @Directive('@rateLimit(max: 600, window: "1m")')
  @Directive('@signed(scopes: [READ])')
  async me(@Ctx() ctx: GraphQLContext): Promise<Account | null> {
    return ctx.services.accounts.findAccount(requirePrincipal(ctx).accountId);
  }

  @Query(() => OrderType, { nullable: true, description: 'One of your orders, by id or by the clientOrderId you gave it (exactly one of the two); null when it does not exist or is not yours.' })
  @Directive('@rateLimit(max: 600, window: "1m")')
  @Directive('@signed(scopes: [READ])')
  async order(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID, { nullable: true, description: 'The order id returned by placeOrder or listed in me.orders.' }) id?: string | null,
    @Arg('clientOrderId', () => String, { nullable: true, description: 'The clientOrderId given at placement.' }) clientOrderId?: string | null,
  ): Promise<Order | null> {
    const accountId = requirePrincipal(ctx).accountId;
    if (typeof id === 'string' && typeof clientOrderId !== 'string') return ctx.services.orders.findOrder(accountId, id);
    if (typeof clientOrderId === 'string' && typeof id !== 'string') {
      // Ids placement refuses (too long, other characters, a NUL the database cannot even compare): no order has one.
      const possible = clientOrderId.length <= MAX_CLIENT_ORDER_ID_LENGTH && CLIENT_ID.test(clientOrderId);
      return possible ? ctx.services.orders.findOrderByClientOrderId(accountId, clientOrderId) : null;
    }
    throw new BadUserInputError('Give exactly one of id and clientOrderId.', { field: typeof id === 'string' ? 'clientOrderId' : 'id' });
  }

  @Query(() => TransferType, { nullable: true, description: 'One of your transfers, by id (sent or received) or by the clientTransferId you gave it when you sent it (exactly one of the two); null when it does not exist or is not yours.' })
  @Directive('@rateLimit(max: 600, window: "1m")')
  @Directive('@signed(scopes: [READ])')
  async transfer(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID, { nullable: true, description: 'The transfer id returned by createTransfer or listed in me.transfers.' }) id?: string | null,
    @Arg('clientTransferId', () => String, { nullable: true, description: 'The clientTransferId you gave createTransfer.' }) clientTransferId?: string | null,
  ): Promise<Transfer | null> {
    const accountId = requirePrincipal(ctx).accountId;
    if (typeof id === 'string' && typeof clientTransferId !== 'string') return ctx.services.transfers.findTransfer(accountId, id);
    if (typeof clientTransferId === 'string' && typeof id !== 'string') {
      // Ids createTransfer refuses (too long, other characters, a NUL the database cannot even compare): no transfer has one.
      const possible = clientTransferId.length <= MAX_CLIENT_TRANSFER_ID_LENGTH && CLIENT_ID.test(clientTransferId);
      return possible ? ctx.services.transfers.findTransferByClientTransferId(accountId, clientTransferId) : null;
    }
    throw new BadUserInputError('Give exactly one of id and clientTransferId.', { field: typeof id === 'string' ? 'clientTransferId' : 'id' });
  }

  @Query(() => [MarketType], { nullable: true, description: 'Listed markets, their trading rules and fee rates. Public.' })
  @Directive('@rateLimit(max: 300, window: "1m")')
  markets(@Ctx() ctx: GraphQLContext): MarketType[] {
    const { maker, taker } = ctx.services.feeRates;
    return [...MARKETS.values()].map((m) => ({
      symbol: m.symbol, baseAsset: m.baseAsset as MarketType['baseAsset'], quoteAsset: m.quoteAsset as MarketType['quoteAsset'],
      tickSize: m.tickSize.toFixed(), lotSize: m.lotSize.toFixed(), minQuantity: m.minQuantity.toFixed(), maxQuantity: m.maxQuantity.toFixed(), maxPrice: m.maxPrice.toFixed(),
      makerFeeRate: maker.toFixed(), takerFeeRate: taker.toFixed(),
    }));
  }

  @Query(() => Date, { nullable: true, description: 'The server clock; signatures must be created within the allowed window of it. Public.' })
  @Directive('@rateLimit(max: 300, window: "1m")')
  serverTime(@Ctx() ctx: GraphQLContext): Date {
    return ctx.services.clock();
  }
}
