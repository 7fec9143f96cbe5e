import { makeExecutableSchema } from '@graphql-tools/schema';
import { signedOnlyFields } from '../src';

const SDL = `
  directive @signed(scopes: [String!]!) on FIELD_DEFINITION
  type Query {
    public: Market
    me: Account @signed(scopes: ["READ"])
    search: SearchResult
  }
  type Mutation { trade: Receipt @signed(scopes: ["TRADE"]) }
  type Account { market: Market orders: [Order!] }
  type Market { symbol: String }
  type Order { id: ID }
  type Receipt { order: Order }
  union SearchResult = Market | Note
  type Note { text: String }
`;

describe('signedOnlyFields: which fields can never run for an unsigned request', () => {
  const signedOnly = signedOnlyFields(makeExecutableSchema({ typeDefs: SDL }));

  test('a @signed field is signed-only; a public root field is not', () => {
    expect(signedOnly('Query', 'me')).toBe(true);
    expect(signedOnly('Mutation', 'trade')).toBe(true);
    expect(signedOnly('Query', 'public')).toBe(false);
  });

  test('fields of a type reached only through @signed fields are signed-only', () => {
    expect(signedOnly('Account', 'orders')).toBe(true);
    expect(signedOnly('Order', 'id')).toBe(true);
    expect(signedOnly('Receipt', 'order')).toBe(true);
  });

  test('a type also reachable without a signature (directly or through a union) is not', () => {
    expect(signedOnly('Market', 'symbol')).toBe(false);
    expect(signedOnly('Note', 'text')).toBe(false);
  });
});

describe('signedOnlyFields with interfaces', () => {
  test('an object field implementing a @signed interface field is signed-only too', () => {
    const signedOnly = signedOnlyFields(makeExecutableSchema({
      typeDefs: `
        directive @signed(scopes: [String!]!) on FIELD_DEFINITION
        interface Node { id: ID! secret: String @signed(scopes: ["READ"]) }
        type Note implements Node { id: ID! secret: String }
        type Query { node: Node }
      `,
      resolverValidationOptions: { requireResolversForResolveType: 'ignore' },
    }));
    expect(signedOnly('Node', 'secret')).toBe(true);
    expect(signedOnly('Note', 'secret')).toBe(true);
    expect(signedOnly('Note', 'id')).toBe(false);
  });
});
