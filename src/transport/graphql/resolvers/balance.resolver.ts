import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Balance } from '../../../domain';
import type { GraphQLContext } from '../context';
import { DecimalScalar } from '../types/scalars';
import { BalanceType } from '../types/models';
import { balanceValueUsd } from './valuation';

/** Market value of a balance; null with PRICE_UNAVAILABLE when prices cannot be had (the balance still arrives; a USD balance needs no price). */
@Resolver(() => BalanceType)
export class BalanceResolver {
  @FieldResolver(() => DecimalScalar, { nullable: true, description: 'Value of available + held in USD, from the price source (a USD balance is its own value, with or without one).' })
  async valueUsd(@Root() balance: Balance, @Ctx() ctx: GraphQLContext): Promise<string> {
    return balanceValueUsd(ctx, balance);
  }
}
