import { Ctx, FieldResolver, ID, Resolver, Root } from 'type-graphql';
import type { Transfer } from '../../../domain';
import type { GraphQLContext } from '../context';
import { TransferType } from '../types/models';

/** The fields of a transfer that depend on who reads it. */
@Resolver(() => TransferType)
export class TransferFieldsResolver {
  /** The sender's key id, to the sender only: a recipient learns no key id of another account from what it receives. */
  @FieldResolver(() => ID, { nullable: true, description: 'The sender\'s API key whose signed request made it (an `ApiKey.id` of your account, revoked ones included): what a leaked key did can be listed. Shown to the sender only: null when you received the transfer, and for transfers made before this field existed.' })
  apiKeyId(@Root() transfer: Transfer, @Ctx() ctx: GraphQLContext): string | null {
    return ctx.principal?.accountId === transfer.fromAccountId ? transfer.apiKeyId : null;
  }
}
