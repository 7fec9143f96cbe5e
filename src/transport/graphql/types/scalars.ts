import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { GraphQLSafeInt } from 'graphql-scalars';

/** Most digits a Decimal may have before and after its point. */
const MAX_INTEGER_DIGITS = 30;
const MAX_FRACTION_DIGITS = 18;
const PLAIN_DECIMAL = new RegExp(`^-?(0|[1-9]\\d{0,${MAX_INTEGER_DIGITS - 1}})(\\.\\d{1,${MAX_FRACTION_DIGITS}})?$`);
/** Plain notation of any length (digits, an optional point with digits after it). */
const PLAIN_NOTATION = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/** Why `value` is not a Decimal, or null when it is one. */
function decimalProblem(value: unknown): string | null {
  // Numbers are refused on purpose: a JSON number may already have lost precision as a float.
  if (typeof value !== 'string') return 'Decimal values are strings in plain decimal notation, e.g. "30000.50", never JSON numbers.';
  if (PLAIN_DECIMAL.test(value)) return null;
  if (PLAIN_NOTATION.test(value)) return `Decimal values have at most ${MAX_INTEGER_DIGITS} digits before the point and ${MAX_FRACTION_DIGITS} after it.`;
  return 'Decimal values are strings in plain decimal notation, e.g. "30000.50".';
}

/**
 * The one spelling of a decimal's value: no trailing fractional zeros, no bare point, no negative
 * zero ("905.00" and "905" are both "905"). Arguments are compared after coercion (the
 * idempotency fingerprint), so a client whose decimal library reformats a price on a retry still
 * retries the same operation instead of being told it is a new one.
 */
function canonicalDecimal(text: string): string {
  const plain = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  return plain === '-0' ? '0' : plain;
}

/** Exact decimal numbers as strings ("30000.50"); never floats. */
export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  description: `An exact decimal number as a string in plain notation, e.g. "30000.50": an optional minus sign, at most ${MAX_INTEGER_DIGITS} digits before the point (no leading zeros) and ${MAX_FRACTION_DIGITS} after it. Never a JSON number. Trailing zeros carry no meaning: "30000.50" and "30000.5" are the same value, and answers use the shorter form.`,
  // Answers in the one spelling too, whatever a resolver computed (a USD valuation "to the cent" is "200000", not "200000.00").
  serialize: (value) => canonicalDecimal(String(value)),
  parseValue(value) {
    const problem = decimalProblem(value);
    // A GraphQLError's message is used as is after the variable's path ("… at "input.price"; <message>").
    if (problem) throw new GraphQLError(problem);
    return canonicalDecimal(value as string);
  },
  parseLiteral(ast) {
    const problem = ast.kind === Kind.STRING ? decimalProblem(ast.value) : 'Decimal literals must be strings, e.g. "30000.50".';
    // A plain Error: validation reports it with the literal's location and value ("Expected value of type …, found …; <message>").
    if (problem) throw new TypeError(problem);
    return canonicalDecimal((ast as { value: string }).value);
  },
});

/** Sequence numbers: whole numbers up to 2^53 − 1 (GraphQL's Int stops at 2^31 − 1, which a busy exchange's fill count passes). */
export const SequenceScalar = new GraphQLScalarType({
  ...GraphQLSafeInt.toConfig(),
  name: 'Sequence',
  description: 'A sequence number: a whole JSON number from 0 to 2^53 − 1 (beyond GraphQL\'s 32-bit Int). Larger means later.',
});
