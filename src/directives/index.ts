import { GraphQLSchema } from 'graphql';
import type { DirectiveDeps } from './deps';
import { describeIdempotentFields, idempotentDirective } from '@signet/directive-idempotent';
import { idempotentTransformer } from './idempotent';
import { describeSignetRateLimits, signetRateLimitDirective, signetRateLimitTransformer } from './rate-limit';
import { describeSignedFields, signedDirective, signedOnlyFields, signedTransformer } from './signed';

export { replayedResponseKeys } from './idempotent';

export type { DirectiveDeps } from './deps';

/**
 * Declares Signet's directives on a schema built by type-graphql (which attaches applied
 * directives to fields but not their definitions) and documents their requirements in field
 * descriptions. Pure: the printed SDL comes from this.
 */
export function declareDirectives(schema: GraphQLSchema): GraphQLSchema {
  const declared = new GraphQLSchema({ ...schema.toConfig(), directives: [...schema.getDirectives(), signedDirective(schema), signetRateLimitDirective(), idempotentDirective()] });
  return describeIdempotentFields(describeSignetRateLimits(describeSignedFields(declared), signedOnlyFields(declared)));
}

/**
 * Wraps resolvers with the directives' behaviour. Applied innermost first, so at run time a
 * field goes through @signed, then @rateLimit, then @idempotent, then its resolver.
 */
export function applyDirectiveTransformers(schema: GraphQLSchema, deps: DirectiveDeps): GraphQLSchema {
  return signedTransformer(signetRateLimitTransformer(idempotentTransformer(schema, deps), deps));
}
