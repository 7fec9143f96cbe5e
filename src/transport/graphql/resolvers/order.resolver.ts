import { Arg, Ctx, Directive, ID, Mutation, Resolver } from 'type-graphql';
import { requirePrincipal, type GraphQLContext } from '../context';
import { PlaceOrderInput } from '../types/inputs';
import { CancelOrderPayload, PlaceOrderPayload } from '../types/payloads';
import { payload } from './payload';

/** Order mutations. */
@Resolver()
export class OrderResolver {
  @Mutation(() => PlaceOrderPayload, { nullable: true, description: 'Places a resting limit order and holds its funds.' })
  @Directive('@rateLimit(max: 120, window: "1m")')
  @Directive('@signed(scopes: [TRADE])')
  @Directive('@idempotent(required: true)')
  async placeOrder(@Arg('input', () => PlaceOrderInput, { description: 'The order to place.' }) input: PlaceOrderInput, @Ctx() ctx: GraphQLContext) {
    const principal = requirePrincipal(ctx);
    return payload('order', await ctx.services.orders.placeOrder(principal.accountId, input));
  }

  @Mutation(() => CancelOrderPayload, { nullable: true, description: 'Cancels an open order and releases its hold.' })
  @Directive('@rateLimit(max: 240, window: "1m")')
  @Directive('@signed(scopes: [TRADE])')
  @Directive('@idempotent')
  async cancelOrder(@Arg('id', () => ID, { description: 'Id of an OPEN order of your account.' }) id: string, @Ctx() ctx: GraphQLContext) {
    const principal = requirePrincipal(ctx);
    return payload('order', await ctx.services.orders.cancelOrder(principal.accountId, id));
  }
}
