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
    return findByIdOrClientId({ id, clientId: clientOrderId, clientIdField: 'clientOrderId', maxClientIdLength: MAX_CLIENT_ORDER_ID_LENGTH },
      (orderId) => ctx.services.orders.findOrder(accountId, orderId),
      (clientId) => ctx.services.orders.findOrderByClientOrderId(accountId, clientId));
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
    return findByIdOrClientId({ id, clientId: clientTransferId, clientIdField: 'clientTransferId', maxClientIdLength: MAX_CLIENT_TRANSFER_ID_LENGTH },
      (transferId) => ctx.services.transfers.findTransfer(accountId, transferId),
      (clientId) => ctx.services.transfers.findTransferByClientTransferId(accountId, clientId));
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

/** A lookup by exactly one of `id` and a client-given id (`clientIdField` names it in the error). */
interface IdOrClientId {
  readonly id?: string | null;
  readonly clientId?: string | null;
  readonly clientIdField: string;
  readonly maxClientIdLength: number;
}

/**
 * Finds by `id` or by the client-given id, whichever of the two was given; both or neither is
 * BAD_USER_INPUT. A client id its mutation would refuse (too long, other characters, a NUL the
 * database cannot even compare) belongs to nothing: null without a lookup.
 */
async function findByIdOrClientId<T>(args: IdOrClientId, byId: (id: string) => Promise<T | null>, byClientId: (clientId: string) => Promise<T | null>): Promise<T | null> {
  const { id, clientId } = args;
  if (typeof id === 'string' && typeof clientId !== 'string') return byId(id);
  if (typeof clientId === 'string' && typeof id !== 'string') {
    return clientId.length <= args.maxClientIdLength && CLIENT_ID.test(clientId) ? byClientId(clientId) : null;
  }
  throw new BadUserInputError(`Give exactly one of id and ${args.clientIdField}.`, { field: typeof id === 'string' ? args.clientIdField : 'id' });
}
