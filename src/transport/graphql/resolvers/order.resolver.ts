import { Arg, Ctx, Directive, ID, Mutation, Resolver } from 'type-graphql';
import { requirePrincipal, type GraphQLContext } from '../context';
import { PlaceOrderInput } from '../types/inputs';
import { CancelAllOrdersPayload, CancelOrderPayload, PlaceOrderPayload } from '../types/payloads';
import { payload } from './payload';

/** Order mutations. */
@Resolver()
export class OrderResolver {
  @Mutation(() => PlaceOrderPayload, {
    nullable: true,
    description: 'Places an order: holds its funds, trades it against the book (price-time priority, at the resting orders\' prices) and settles every fill, in one transaction. A LIMIT GTC remainder rests; IOC, FOK and MARKET remainders expire.',
  })
  @Directive('@rateLimit(max: 120, window: "1m")')
  @Directive('@signed(scopes: [TRADE])')
  @Directive('@idempotent(required: true)')
  async placeOrder(@Arg('input', () => PlaceOrderInput, { description: 'The order to place.' }) input: PlaceOrderInput, @Ctx() ctx: GraphQLContext) {
    const principal = requirePrincipal(ctx);
    return payload('order', await ctx.services.orders.placeOrder(principal.accountId, input, principal.keyId));
  }

  @Mutation(() => CancelOrderPayload, { nullable: true, description: 'Cancels a live (OPEN or PARTIALLY_FILLED) order and releases the rest of its hold.' })
  @Directive('@rateLimit(max: 240, window: "1m")')
  @Directive('@signed(scopes: [TRADE])')
  @Directive('@idempotent')
  async cancelOrder(@Arg('id', () => ID, { description: 'Id of a live order of your account.' }) id: string, @Ctx() ctx: GraphQLContext) {
    const principal = requirePrincipal(ctx);
    return payload('order', await ctx.services.orders.cancelOrder(principal.accountId, id, principal.keyId));
  }

  @Mutation(() => CancelAllOrdersPayload, {
    nullable: true,
    description: 'Cancels every live order of your account in one market, or in all markets, and releases their holds. Once it answers, none of them can fill.',
  })
  @Directive('@rateLimit(max: 30, window: "1m")')
  @Directive('@signed(scopes: [TRADE])')
  @Directive('@idempotent')
  async cancelAllOrders(
    @Arg('market', () => String, { nullable: true, description: 'Only this market\'s orders, e.g. BTC-USD; omit for every market.' }) market: string | null | undefined,
    @Arg('apiKeyId', () => ID, {
      nullable: true,
      description: 'Only the orders this API key of your account placed (`Order.apiKeyId`; revoked keys included): after revoking a leaked key, cancel what it left on the book and keep your other orders. Omit for every order. Not one of your keys: API_KEY_NOT_FOUND, nothing canceled.',
    }) apiKeyId: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ) {
    const principal = requirePrincipal(ctx);
    const result = await ctx.services.orders.cancelAllOrders(principal.accountId, market ?? null, principal.keyId, apiKeyId ?? null);
    const { orders, userErrors } = payload('orders', result);
    return { orders: orders ?? [], userErrors };
  }
}
