import { astFromDirective } from '@graphql-tools/utils';
import { DirectiveLocation, GraphQLBoolean, GraphQLDirective, GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLString, print } from 'graphql';

/** The directive's name in SDL unless the host chooses another. */
export const DEFAULT_RATE_LIMIT_DIRECTIVE = 'rateLimit';

/** Arguments of `@rateLimit`, as graphql-rate-limit defines them. */
export interface RateLimitArgs {
  max: number;
  window: string;
  message?: string | null;
  identityArgs?: string[] | null;
  arrayLengthField?: string | null;
  uncountRejected?: boolean | null;
}

/** How the directive is declared: its name and the description a schema shows for it. */
export interface RateLimitDirectiveDeclaration {
  /** Defaults to `rateLimit`. */
  readonly name?: string;
  /** Defaults to a sentence that names no identity; hosts say who "a caller" is for them. */
  readonly description?: string;
}

/**
 * `@rateLimit(max, window, message, identityArgs, arrayLengthField, uncountRejected)`: the
 * argument contract of the `graphql-rate-limit` package (window in `ms` syntax such as "10s"),
 * enforced atomically by `@signet/rate-limit`. Add it to a schema built from classes or a
 * `GraphQLSchema` config; SDL-first servers take {@link rateLimitTypeDefs}.
 */
export function rateLimitDirective(declaration: RateLimitDirectiveDeclaration = {}): GraphQLDirective {
  return new GraphQLDirective({
    name: declaration.name ?? DEFAULT_RATE_LIMIT_DIRECTIVE,
    description: declaration.description ?? 'At most `max` calls per `window` per caller.',
    locations: [DirectiveLocation.FIELD_DEFINITION],
    args: {
      max: { type: new GraphQLNonNull(GraphQLInt), description: 'Calls (or list items) admitted per window.' },
      window: { type: new GraphQLNonNull(GraphQLString), description: 'Window length in ms syntax: "10s", "1m", "1h".' },
      message: { type: GraphQLString, description: 'Error message when the limit is hit.' },
      identityArgs: { type: new GraphQLList(new GraphQLNonNull(GraphQLString)), description: 'Argument paths whose values are part of the limit key.' },
      arrayLengthField: { type: GraphQLString, description: 'A list argument whose length is the cost of the call.' },
      uncountRejected: { type: GraphQLBoolean, description: 'When true, rejected calls do not spend the budget.' },
    },
  });
}

/** The directive's declaration as SDL (`directive @rateLimit(...) on FIELD_DEFINITION`), for `typeDefs`. */
export function rateLimitTypeDefs(declaration: RateLimitDirectiveDeclaration = {}): string {
  return print(astFromDirective(rateLimitDirective(declaration)));
}
