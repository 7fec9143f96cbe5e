/**
 * How Signet's printed schema uses `signedOnlyFields` (from @signet/directive-signed): a limit that
 * can only be counted per account says so.
 */
import { printSignetSchema } from '../../../src/transport/graphql/print-schema';

describe('rate-limit notes in the printed schema', () => {
  const sdl = printSignetSchema();
  const notesOf = (typeName: string) => {
    const body = new RegExp(`\\ntype ${typeName} \\{\\n([\\s\\S]*?)\\n\\}`).exec(sdl)?.[1] ?? '';
    return body.match(/Rate limit: [^\n]*/g) ?? [];
  };

  test('every mutation is signed, so its limit is per account (the exits: per API key) only, never "per IP when unsigned"', () => {
    const notes = notesOf('Mutation');
    expect(notes).toHaveLength(6);
    expect(notes.filter((note) => /^Rate limit: \d+ per \w+ per account\.$/.test(note))).toHaveLength(3);
    // cancelAllOrders, cancelOrder, revokeApiKey: a key that spends them does not spend another key's.
    expect(notes.filter((note) => /^Rate limit: \d+ per \w+ per API key\.$/.test(note))).toHaveLength(3);
  });

  test('fields of Account (reached only through the signed `me`) are counted per account', () => {
    expect(notesOf('Account')).toEqual(['Rate limit: 60 per 1m per account.', 'Rate limit: 300 per 1m per account.', 'Rate limit: 300 per 1m per account.', 'Rate limit: 300 per 1m per account.']);
  });

  test('public queries say that unsigned calls are counted per IP', () => {
    expect(sdl).toMatch(/Listed markets[^"]*Rate limit: 300 per 1m per account \(per IP when unsigned\)\./);
    expect(notesOf('Query').filter((n) => n.includes('per IP'))).toHaveLength(5);
    expect(sdl).toMatch(/aggregated by price[^"]*Rate limit: 300 per 1m per account \(per IP when unsigned\)\./);
  });
});
