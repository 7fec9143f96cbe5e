/**
 * Which root fields of a document the SDK counts as keyed, by the server's rule
 * (@signet/directive-idempotent `rootFields`): one per response key, and only those that
 * @skip/@include let run with the variables sent. The header key goes with exactly one keyed field.
 */
import { parse } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { describeOperation } from '@signet/sdk';
import { answer, ed25519Key, scriptedClient } from './helpers';

/** A placeOrder or cancelOrder selection, with `directives` (e.g. `@skip(if: $s)`) where GraphQL puts them. */
const place = (directives = '') => `placeOrder(input: $input) ${directives} { order { id } }`;
const cancel = (directives = '') => `cancelOrder(id: "o-1") ${directives} { order { id } }`;
const PLACE = place();
const CANCEL = cancel();

describe('the keyed fields of a document follow @skip and @include with the variables sent', () => {
  const document = parse(`mutation ($input: PlaceOrderInput!, $place: Boolean!, $cancel: Boolean = true) {
    ${place('@include(if: $place)')}
    ${cancel('@skip(if: $cancel)')}
  }`);

  test('a field left out by @include(if: false) or @skip(if: true) is not counted', () => {
    expect(describeOperation(document, { variables: { place: false, cancel: false } }).keyedFields).toEqual(['cancelOrder']);
    expect(describeOperation(document, { variables: { place: true, cancel: true } }).keyedFields).toEqual(['placeOrder']);
    expect(describeOperation(document, { variables: { place: true, cancel: false } }).keyedFields).toEqual(['placeOrder', 'cancelOrder']);
  });

  test('a variable left out takes its declared default, as the server coerces it', () => {
    expect(describeOperation(document, { variables: { place: true } }).keyedFields).toEqual(['placeOrder']);
  });

  test('literal conditions count, on fields, inline fragments and fragment spreads', () => {
    const literal = parse(`mutation {
      a: ${place('@skip(if: true)')}
      ... @include(if: false) { b: ${PLACE} }
      ...F @skip(if: true)
      ...F
      other @include(if: false)
    } fragment F on Mutation { ${CANCEL} }`);
    expect(describeOperation(literal)).toMatchObject({ keyedFields: ['cancelOrder'], unkeyedFields: [] });
  });

  test('an unkeyed field left out does not make the call unsafe to retry', () => {
    const withOther = parse(`mutation ($input: PlaceOrderInput!, $legacy: Boolean!) { ${PLACE} legacyTransfer @include(if: $legacy) }`);
    expect(describeOperation(withOther, { variables: { legacy: false } }).unkeyedFields).toEqual([]);
    expect(describeOperation(withOther, { variables: { legacy: true } }).unkeyedFields).toEqual(['legacyTransfer']);
  });

  test('the client sends an Idempotency-Key when only one keyed field is left to run', async () => {
    const placed = answer({ data: { placeOrder: { order: { id: 'o-1' } } } });
    const { sdk, calls } = scriptedClient(ed25519Key(), [placed]);
    const typed = document as TypedDocumentNode<unknown, Record<string, unknown>>;
    const result = await sdk.request(typed, { input: { market: 'BTC-USD' }, place: true, cancel: true });
    expect(calls[0].headers['idempotency-key']).toMatch(/^"[0-9a-f-]{36}"$/);
    expect(result.idempotencyKey).toBe(calls[0].headers['idempotency-key'].slice(1, -1));
  });
});

describe('one keyed field selected twice under one response key is one call', () => {
  test('directly and through a fragment', () => {
    const twice = parse(`mutation ($input: PlaceOrderInput!) { ${PLACE} ...F } fragment F on Mutation { ${PLACE} }`);
    expect(describeOperation(twice).keyedFields).toEqual(['placeOrder']);
  });
});

describe('a document with several operations', () => {
  const document = parse(`query Q { serverTime } mutation M($input: PlaceOrderInput!) { ${PLACE} }`);

  test('is described for the operation operationName names', () => {
    expect(describeOperation(document, { operationName: 'M' })).toMatchObject({ kind: 'mutation', operationName: 'M', keyedFields: ['placeOrder'] });
    expect(describeOperation(document, { operationName: 'Q' })).toMatchObject({ kind: 'query', operationName: 'Q', keyedFields: [] });
  });

  test('is refused without a name, or with one it does not hold', () => {
    expect(() => describeOperation(document)).toThrow(/exactly one operation/);
    expect(() => describeOperation(document, { operationName: 'Nope' })).toThrow(/no operation named "Nope"/);
  });
});
