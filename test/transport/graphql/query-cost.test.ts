/**
 * The query cost budget counts pages with the request's variables: `first: $n` costs what the
 * literal costs, a full page of every scalar field fits, nested full pages do not, and an
 * out-of-range page size is left to its resolver's own error (reported once).
 */
import { parse, type OperationDefinitionNode } from 'graphql';
import { buildSignetSchema } from '../../../src/transport/graphql/build-schema';
import { QUERY_LIMITS } from '../../../src/transport/graphql/create-apollo-server';
import { queryCost } from '../../../src/transport/graphql/query-cost';
import type { TestDatabase } from '../../helpers/database';
import { memoryStores, openSigningAccount, signedRequest, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';

const ORDER_FIELDS = 'id status price quantity filledQuantity remainingQuantity averagePrice holdRemaining market side type createdAt updatedAt clientOrderId timeInForce statusReason';
const PAGE_LITERAL = `{ me { orders(first: 100) { nodes { ${ORDER_FIELDS} } } } }`;
const PAGE_VARIABLE = `query($n: Int) { me { orders(first: $n) { nodes { ${ORDER_FIELDS} } } } }`;
const NESTED_VARIABLE = 'query($n: Int) { me { orders(first: $n) { nodes { id fills(first: $n) { nodes { id price quantity fee } } } } } }';

const schema = buildSignetSchema();
const costOf = (query: string, variables: Record<string, unknown> = {}) => {
  const document = parse(query);
  return queryCost({ schema, document, operation: document.definitions[0] as OperationDefinitionNode, variables });
};

describe('queryCost', () => {
  test('a page size given as a variable costs what the same literal costs', () => {
    expect(costOf(PAGE_VARIABLE, { n: 100 })).toBe(costOf(PAGE_LITERAL));
    expect(costOf(PAGE_VARIABLE, { n: 10 })).toBeLessThan(costOf(PAGE_VARIABLE, { n: 100 }));
    expect(costOf(NESTED_VARIABLE, { n: 100 })).toBe(costOf(NESTED_VARIABLE.replace('query($n: Int) ', '').replaceAll('$n', '100')));
  });

  test('a full page of every order field fits the budget; 100 orders with 100 fills each do not; an omitted size counts the default page', () => {
    expect(costOf(PAGE_LITERAL)).toBeLessThanOrEqual(QUERY_LIMITS.maxCost);
    expect(costOf(NESTED_VARIABLE, { n: 100 })).toBeGreaterThan(QUERY_LIMITS.maxCost);
    expect(costOf(`{ me { orders { nodes { ${ORDER_FIELDS} } } } }`)).toBe(costOf(PAGE_VARIABLE, { n: 20 }));
  });

  test('a size outside 1-100 counts as 100 (its resolver refuses it), and orderBook counts per depth level', () => {
    expect(costOf(PAGE_VARIABLE, { n: 2147483647 })).toBe(costOf(PAGE_LITERAL));
    expect(costOf('{ orderBook(market: "BTC-USD", depth: 100) { bids { price quantity } } }')).toBeGreaterThan(costOf('{ orderBook(market: "BTC-USD", depth: 1) { bids { price quantity } } }'));
  });

  test('@include decided by a variable is costed with it; introspection is not counted here', () => {
    const query = `query($n: Int, $with: Boolean!) { me { orders(first: $n) @include(if: $with) { nodes { ${ORDER_FIELDS} } } } }`;
    expect(costOf(query, { n: 100, with: false })).toBeLessThan(10);
    expect(costOf(query, { n: 100, with: true })).toBe(costOf(PAGE_LITERAL));
    expect(costOf('{ __schema { types { name fields { name } } } }')).toBe(0);
  });
});

describe('the cost budget over HTTP', () => {
  let db: TestDatabase;
  let key: TestKey;
  let server: RunningSignet;
  beforeAll(async () => {
    const account = await openSigningAccount({ USD: '1000' }, 'cost');
    db = account.db;
    key = account.key;
    server = await startSignet(account.services, memoryStores());
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  test('nested pages sized by variables are refused before anything runs, as their literal form is', async () => {
    const res = await signedRequest(server, key, { query: NESTED_VARIABLE, variables: { n: 100 } });
    expect(res.status).toBe(400);
    expect(res.json.data).toBeUndefined();
    expect(res.json.errors).toHaveLength(1);
    expect(res.json.errors[0].extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', maxCost: QUERY_LIMITS.maxCost });
    expect(res.json.errors[0].message).toMatch(/^Query cost \d+ exceeds the limit of 5000\./);
  });

  test('the largest page with every order field is answered, by literal and by variable', async () => {
    for (const payload of [{ query: PAGE_LITERAL }, { query: PAGE_VARIABLE, variables: { n: 100 } }]) {
      const res = await signedRequest(server, key, payload);
      expect(res.status).toBe(200);
      expect(res.json.errors).toBeUndefined();
      expect(res.json.data.me.orders.nodes).toEqual([]);
    }
  });

  test('a page size over 100 gets the page-size error, once', async () => {
    const res = await signedRequest(server, key, { query: '{ me { orders(first: 2147483647) { nodes { id } } } }' });
    expect(res.json.errors).toHaveLength(1);
    expect(res.json.errors[0]).toMatchObject({ message: 'first must be between 1 and 100.', extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
  });
});
