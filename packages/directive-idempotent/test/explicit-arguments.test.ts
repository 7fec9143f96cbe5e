import { buildSchema, getArgumentValues, parse, type FieldNode, type GraphQLObjectType, type OperationDefinitionNode } from 'graphql';
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
