import { makeExecutableSchema } from '@graphql-tools/schema';
import { signedOnlyFields } from '../../../src/directives/signed';
import { printSignetSchema } from '../../../src/transport/graphql/print-schema';

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

describe('rate-limit notes in the printed schema', () => {
  const sdl = printSignetSchema();
  const notesOf = (typeName: string) => {
    const body = new RegExp(`\\ntype ${typeName} \\{\\n([\\s\\S]*?)\\n\\}`).exec(sdl)?.[1] ?? '';
    return body.match(/Rate limit: [^\n]*/g) ?? [];
  };

  test('every mutation is signed, so its limit is per account only, never "per IP when unsigned"', () => {
    const notes = notesOf('Mutation');
    expect(notes).toHaveLength(5);
    for (const note of notes) expect(note).toMatch(/^Rate limit: \d+ per \w+ per account\.$/);
  });

  test('fields of Account (reached only through the signed `me`) are counted per account', () => {
    expect(notesOf('Account')).toEqual(['Rate limit: 60 per 1m per account.', 'Rate limit: 300 per 1m per account.', 'Rate limit: 300 per 1m per account.']);
  });

  test('public queries say that unsigned calls are counted per IP', () => {
    expect(sdl).toMatch(/Listed markets[^"]*Rate limit: 300 per 1m per account \(per IP when unsigned\)\./);
    expect(notesOf('Query').filter((n) => n.includes('per IP'))).toHaveLength(2);
  });
});
