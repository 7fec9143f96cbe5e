import { Arg, Ctx, Directive, Mutation, Resolver } from 'type-graphql';
import { requirePrincipal, type GraphQLContext } from '../context';
import { CreateTransferInput } from '../types/inputs';
import { CreateTransferPayload } from '../types/payloads';
import { payload } from './payload';

/** Transfer mutations. */
@Resolver()
export class TransferResolver {
  @Mutation(() => CreateTransferPayload, { nullable: true, description: 'Moves available funds to another account at once. FINAL: no API reverses it.' })
  @Directive('@rateLimit(max: 10, window: "1m")')
  @Directive('@signed(scopes: [TRANSFER])')
  @Directive('@idempotent(required: true)')
  async createTransfer(@Arg('input', () => CreateTransferInput, { description: 'The transfer to make.' }) input: CreateTransferInput, @Ctx() ctx: GraphQLContext) {
    const principal = requirePrincipal(ctx);
    return payload('transfer', await ctx.services.transfers.createTransfer(principal.accountId, input, principal.keyId));
  }
}
