import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { GraphQLSafeInt } from 'graphql-scalars';

const PLAIN_DECIMAL = /^-?(0|[1-9]\d{0,29})(\.\d{1,18})?$/;

function parseDecimalText(value: unknown): string {
  if (typeof value !== 'string' || value.length > 40 || !PLAIN_DECIMAL.test(value)) {
    // Numbers are refused on purpose: a JSON number may already have lost precision as a float.
    throw new GraphQLError('Decimal values are strings in plain decimal notation, e.g. "30000.50".');
  }
  return value;
}

/** Exact decimal numbers as strings ("30000.50"); never floats. */
export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  description: 'An exact decimal number as a string in plain notation, e.g. "30000.50". Never a JSON number.',
  serialize: (value) => String(value),
  parseValue: parseDecimalText,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('Decimal literals must be strings, e.g. "30000.50".');
    return parseDecimalText(ast.value);
  },
});

/** Sequence numbers: whole numbers up to 2^53 − 1 (GraphQL's Int stops at 2^31 − 1, which a busy exchange's fill count passes). */
export const SequenceScalar = new GraphQLScalarType({
  ...GraphQLSafeInt.toConfig(),
  name: 'Sequence',
  description: 'A sequence number: a whole JSON number from 0 to 2^53 − 1 (beyond GraphQL\'s 32-bit Int). Larger means later.',
});
