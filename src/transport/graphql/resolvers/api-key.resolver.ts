import { Arg, Ctx, Directive, ID, Mutation, Resolver } from 'type-graphql';
import { requirePrincipal, type GraphQLContext } from '../context';
import { CreateApiKeyInput } from '../types/inputs';
import { CreateApiKeyPayload, RevokeApiKeyPayload } from '../types/payloads';
import { payload } from './payload';

/** API key management. */
@Resolver()
export class ApiKeyResolver {
  @Mutation(() => CreateApiKeyPayload, { nullable: true, description: 'Creates an API key with at most the scopes of the calling key.' })
  @Directive('@rateLimit(max: 5, window: "10m")')
  @Directive('@signed(scopes: [MANAGE_KEYS])')
  @Directive('@idempotent')
  async createApiKey(@Arg('input', () => CreateApiKeyInput, { description: 'The key to create.' }) input: CreateApiKeyInput, @Ctx() ctx: GraphQLContext) {
    const principal = requirePrincipal(ctx);
    const result = await ctx.services.apiKeys.createApiKey(principal.accountId, input, principal.scopes, principal.keyId);
    if (!result.ok) return { privateKey: null, secret: null, ...payload('apiKey', result) };
    return { ...result.value, userErrors: [] };
  }

  @Mutation(() => RevokeApiKeyPayload, { nullable: true, description: 'Revokes a key of your account at once, on every server.' })
  @Directive('@rateLimit(max: 20, window: "10m")')
  @Directive('@signed(scopes: [MANAGE_KEYS])')
  @Directive('@idempotent')
  async revokeApiKey(@Arg('id', () => ID, { description: 'Id of a key of your account; may be the key signing this request.' }) id: string, @Ctx() ctx: GraphQLContext) {
    const principal = requirePrincipal(ctx);
    return payload('apiKey', await ctx.services.apiKeys.revokeApiKey(principal.accountId, id, principal.keyId));
  }
}
