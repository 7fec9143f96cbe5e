import { DirectiveLocation, GraphQLBoolean, GraphQLDirective, GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLString } from 'graphql';

/** Name of the directive in SDL. */
export const RATE_LIMIT = 'rateLimit';

/** Arguments of `@rateLimit`, as graphql-rate-limit defines them. */
export interface RateLimitArgs {
  max: number;
  window: string;
  message?: string | null;
  identityArgs?: string[] | null;
  arrayLengthField?: string | null;
  uncountRejected?: boolean | null;
}

/**
 * `@rateLimit(max, window, message, identityArgs, arrayLengthField, uncountRejected)`: the
 * argument contract of the `graphql-rate-limit` package (window in `ms` syntax such as "10s"),
 * enforced atomically by Signet's own engine.
 */
export function rateLimitDirective(): GraphQLDirective {
  return new GraphQLDirective({
    name: RATE_LIMIT,
    description: 'At most `max` calls per `window` per caller (the account for signed requests, the client IP otherwise).',
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
