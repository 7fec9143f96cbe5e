import { buildSchema, getArgumentValues, parse, type FieldNode, type GraphQLObjectType, type GraphQLScalarType, type OperationDefinitionNode, type StringValueNode } from 'graphql';
import { fingerprintArguments } from '@signet/idempotency';
import { explicitArguments } from '../src';

const schema = buildSchema(`
  input Leg { price: String! side: String = "BUY" tags: [String!] = [] }
  input Order { legs: [Leg!]! note: String = "none" limit: Leg = { price: "1" } }
  type Query { ping: String }
  type Mutation { place(order: Order!, dryRun: Boolean = false, when: String, count: Int = 1): String }
`);
const place = (schema.getMutationType() as GraphQLObjectType).getFields().place;

/** The coerced arguments of `place(<args>)` as graphql-js hands them to a resolver, without the defaults. */
function explicit(args: string): Record<string, unknown> {
  const operation = parse(`mutation { place(${args}) }`).definitions[0] as OperationDefinitionNode;
  const coerced = getArgumentValues(place, operation.selectionSet.selections[0] as FieldNode, {});
  return explicitArguments(coerced, place.args);
}

describe('custom scalars whose coerced values are not JSON', () => {
  /** A scalar parsing to a class instance, one parsing to a bigint, and graphql-scalars' URL shape (parses to URL). */
  class Cents { constructor(readonly value: bigint) {} }
  const scalars = buildSchema(`
    scalar Money
    scalar Big
    scalar Link
    type Query { ping: String }
    type Mutation { pay(amount: Money!, units: Big, to: Link, memo: String): String }
  `);
  const money = scalars.getType('Money') as GraphQLScalarType;
  money.parseLiteral = (ast) => new Cents(BigInt((ast as StringValueNode).value));
  money.serialize = (value) => (value as Cents).value.toString();
  const big = scalars.getType('Big') as GraphQLScalarType;
  big.parseLiteral = (ast) => BigInt((ast as StringValueNode).value);
  big.serialize = (value) => value as bigint;
  const link = scalars.getType('Link') as GraphQLScalarType;
  link.parseLiteral = (ast) => new URL((ast as StringValueNode).value);
  link.serialize = (value) => (value as URL).href;
  const pay = (scalars.getMutationType() as GraphQLObjectType).getFields().pay;
  const fingerprintOf = (args: string) => {
    const operation = parse(`mutation { pay(${args}) }`).definitions[0] as OperationDefinitionNode;
    const coerced = getArgumentValues(pay, operation.selectionSet.selections[0] as FieldNode, {});
    return fingerprintArguments(explicitArguments(coerced, pay.args));
  };

  test('are fingerprinted in their serialized form: the same values give the same call, others another (it threw at request time)', () => {
    const call = 'amount: "1050", units: "123456789012345678901234567890", to: "https://example.com/a", memo: "x"';
    expect(fingerprintOf(call)).toBe(fingerprintOf(call));
    expect(fingerprintOf(call)).not.toBe(fingerprintOf(call.replace('1050', '1051')));
    expect(fingerprintOf(call)).not.toBe(fingerprintOf(call.replace('890"', '891"')));
    expect(fingerprintOf(call)).not.toBe(fingerprintOf(call.replace('/a"', '/b"')));
  });

  test('JSON values are kept as they are: existing fingerprints do not change', () => {
    expect(explicitArguments({ memo: 'x' }, pay.args)).toEqual({ memo: 'x' });
  });
});

describe('explicitArguments', () => {
  test('leaves out what equals its default, at every depth and in lists; keeps what differs', () => {
    expect(explicit('order: { legs: [{ price: "2" }] }')).toEqual({ order: { legs: [{ price: '2' }] } });
    expect(explicit('order: { legs: [{ price: "2", side: "BUY", tags: [] }], note: "none", limit: { price: "1" } }, dryRun: false, count: 1'))
      .toEqual({ order: { legs: [{ price: '2' }] } });
    expect(explicit('order: { legs: [{ price: "2", side: "SELL", tags: ["a"] }, { price: "3" }], note: "x", limit: { price: "5" } }, dryRun: true, count: 2'))
      .toEqual({ order: { legs: [{ price: '2', side: 'SELL', tags: ['a'] }, { price: '3' }], note: 'x', limit: { price: '5' } }, dryRun: true, count: 2 });
  });

  test('an explicit null is not a default, nor is an argument without one', () => {
    expect(explicit('order: { legs: [], note: null }, when: null')).toEqual({ order: { legs: [], note: null }, when: null });
    expect(explicit('order: { legs: [] }, when: "now"')).toEqual({ order: { legs: [] }, when: 'now' });
  });

  test('values the definitions do not declare are kept, and the input is not changed', () => {
    const args = { order: { legs: [], note: 'none' }, extra: 1 };
    expect(explicitArguments(args, place.args)).toEqual({ order: { legs: [] }, extra: 1 });
    expect(args).toEqual({ order: { legs: [], note: 'none' }, extra: 1 });
  });

  test('Dates compare by time', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const definitions = [{ name: 'at', type: place.args[2].type, defaultValue: new Date(at.getTime()) }];
    expect(explicitArguments({ at: new Date(at.getTime()) }, definitions)).toEqual({});
    expect(explicitArguments({ at: new Date(at.getTime() + 1) }, definitions)).toEqual({ at: new Date(at.getTime() + 1) });
  });
});
