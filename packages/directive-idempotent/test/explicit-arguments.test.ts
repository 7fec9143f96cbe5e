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

describe('canonicalScalar', () => {
  const ids = buildSchema(`
    scalar Link
    input Leg { account: ID! tags: [ID!] note: String }
    type Query { ping: String }
    type Mutation { move(id: ID!, legs: [Leg!], to: Link, by: ID = "DEFAULT", note: String): String }
  `);
  const link = ids.getType('Link') as GraphQLScalarType;
  link.parseLiteral = (ast) => new URL((ast as StringValueNode).value);
  link.serialize = (value) => (value as URL).href;
  const move = (ids.getMutationType() as GraphQLObjectType).getFields().move;
  const seen: string[] = [];
  /** Lower-cases IDs, as a host whose ids compare case-insensitively would; records what it was given. */
  const lowerIds = (type: GraphQLScalarType, value: unknown) => {
    seen.push(`${type.name}:${String(value)}`);
    return type.name === 'ID' && typeof value === 'string' ? value.toLowerCase() : value;
  };
  const fingerprintOf = (args: string, canonical?: typeof lowerIds) => {
    const operation = parse(`mutation { move(${args}) }`).definitions[0] as OperationDefinitionNode;
    const coerced = getArgumentValues(move, operation.selectionSet.selections[0] as FieldNode, {});
    return fingerprintArguments(explicitArguments(coerced, move.args, canonical));
  };
  const call = 'id: "AB", legs: [{ account: "Cd", tags: ["Ef"], note: "Keep" }], note: "Keep"';
  const recased = 'id: "ab", legs: [{ account: "cD", tags: ["eF"], note: "Keep" }], note: "Keep"';

  test('maps every scalar value, at every depth and in lists, to the host\'s form: values it treats as one are one call', () => {
    expect(fingerprintOf(recased, lowerIds)).toBe(fingerprintOf(call, lowerIds));
    // Without it they are two calls (a retry so written was refused as a key reuse).
    expect(fingerprintOf(recased)).not.toBe(fingerprintOf(call));
    // What it has no rule for stays as it is: another note is another call.
    expect(fingerprintOf(call.replace('note: "Keep" }', 'note: "keep" }'), lowerIds)).not.toBe(fingerprintOf(call, lowerIds));
  });

  test('gets a non-JSON scalar in its serialized form, never null, and the defaults are still left out before it', () => {
    seen.length = 0;
    explicitArguments({ id: 'X', to: new URL('https://example.com/A'), note: null, by: 'DEFAULT' }, move.args, lowerIds);
    expect(seen).toEqual(['ID:X', 'Link:https://example.com/A']);
  });

  test('the input is not changed', () => {
    const args = { id: 'AB', legs: [{ account: 'CD' }] };
    expect(explicitArguments(args, move.args, lowerIds)).toEqual({ id: 'ab', legs: [{ account: 'cd' }] });
    expect(args).toEqual({ id: 'AB', legs: [{ account: 'CD' }] });
  });
});
