/**
 * How `@idempotent` stores what a keyed mutation returned and gives it back on a replay. The
 * notes API returns plain objects (a `Note`), so the outcome is their JSON; a refusal is thrown
 * as an error, rolled back and never recorded, so no outcome is a refusal.
 */
import type { FieldOutcomeCodec } from '@signet/directive-idempotent';

/** The codec of every keyed field of this schema: JSON of the result. */
export function jsonOutcomeCodec<TContext>(): FieldOutcomeCodec<TContext> {
  return {
    encode(result) {
      const outcome = JSON.stringify(result);
      if (typeof outcome !== 'string') throw new TypeError('the result has no JSON form to replay');
      return outcome;
    },
    isRefusal: () => false,
    replay: async (outcome) => JSON.parse(outcome) as unknown,
  };
}
