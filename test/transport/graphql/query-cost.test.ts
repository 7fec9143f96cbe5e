/**
 * The query cost budget counts pages with the request's variables: `first: $n` costs what the
 * literal costs, a full page of every scalar field fits, nested full pages do not, and an
 * out-of-range page size is left to its resolver's own error (reported once). A list without a
 * size (`cancelAllOrders`' orders) counts its selection once, or once per order it can hold when a
 * page is selected inside it. Variables decide the cost wherever they sit, fragments included: one
 * parsed document is costed again for each request whose variables can change it.
 */
import { parse, type OperationDefinitionNode } from 'graphql';
import { buildSignetSchema } from '../../../src/transport/graphql/build-schema';
import { QUERY_LIMITS } from '../../../src/transport/graphql/create-apollo-server';
import { orderListBounds, queryCost, type ListBounds } from '../../../src/transport/graphql/query-cost';
import type { TestDatabase } from '../../helpers/database';
import { memoryStores, openSigningAccount, signedRequest, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';

const ORDER_FIELDS = 'id status price quantity filledQuantity remainingQuantity averagePrice holdRemaining market side type createdAt updatedAt clientOrderId timeInForce statusReason';
const PAGE_LITERAL = `{ me { orders(first: 100) { nodes { ${ORDER_FIELDS} } } } }`;
const PAGE_VARIABLE = `query($n: Int) { me { orders(first: $n) { nodes { ${ORDER_FIELDS} } } } }`;
const NESTED_VARIABLE = 'query($n: Int) { me { orders(first: $n) { nodes { id fills(first: $n) { nodes { id price quantity fee } } } } } }';

const schema = buildSignetSchema();
const costOf = (query: string, variables: Record<string, unknown> = {}, listBounds?: ListBounds) => {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  if (!operation) throw new Error('no operation');
  return queryCost({ schema, document, operation, variables, listBounds });
};

/** Every scalar field of Order, as the SDK's OrderFields fragment selects them. */
const ALL_ORDER_FIELDS = 'id sequence market side type price quantity quoteQuantity timeInForce postOnly selfTradePrevention clientOrderId status statusReason filledQuantity remainingQuantity averagePrice holdAsset holdAmount holdRemaining createdAt updatedAt';
const CANCEL_ALL = (orders: string) => `mutation { cancelAllOrders(market: "BTC-USD") { orders { ${orders} } userErrors { code message } } }`;
const CANCEL_ALL_WITH_FILLS = CANCEL_ALL('id fills(first: 100) { nodes { id price quantity } }');

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

/** Sizes and @include decided by variables inside fragments, one level down and two. */
const FRAGMENT_PAGE = `query($n: Int) { me { ...Mine } } fragment Mine on Account { orders(first: $n) { nodes { id fills(first: $n) { nodes { id price quantity fee } } } } }`;
const NESTED_FRAGMENT_PAGE = `query($n: Int) { me { ...Outer } } fragment Outer on Account { ...Inner } fragment Inner on Account { orders(first: $n) { nodes { id fills(first: $n) { nodes { id } } } } }`;
const FRAGMENT_INCLUDE = `query($with: Boolean!) { me { ...Maybe } } fragment Maybe on Account { orders(first: 100) @include(if: $with) { nodes { id fills(first: 100) { nodes { id } } } } }`;
const FRAGMENT_DEFAULT = `query($n: Int = 100) { me { ...Mine } } fragment Mine on Account { orders(first: $n) { nodes { id fills(first: $n) { nodes { id } } } } }`;

describe('queryCost of one parsed document sent with other variables (Apollo keeps one per query text)', () => {
  const costsOf = (query: string, ...variableSets: Array<Record<string, unknown>>) => {
    const document = parse(query);
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
    if (!operation) throw new Error('no operation');
    return variableSets.map((variables) => queryCost({ schema, document, operation, variables }));
  };

  test.each([
    ['a page size inside a fragment', FRAGMENT_PAGE, { n: 1 }, { n: 100 }],
    ['a page size inside a fragment spread by a fragment', NESTED_FRAGMENT_PAGE, { n: 1 }, { n: 100 }],
    ['@include inside a fragment', FRAGMENT_INCLUDE, { with: false }, { with: true }],
    ['a default page size inside a fragment, then left out', FRAGMENT_DEFAULT, { n: 1 }, {}],
  ])('%s is costed with each request\'s variables, not the first one\'s', (_name, query, cheap, dear) => {
    const [first, second] = costsOf(query, cheap, dear);
    expect(first).toBeLessThanOrEqual(QUERY_LIMITS.maxCost);
    expect(second).toBeGreaterThan(QUERY_LIMITS.maxCost);
    expect(second).toBe(costsOf(query, dear)[0]);
  });

  test('an operation whose cost no variable decides is costed once and keeps its cost', () => {
    const query = `query($id: ID!) { order(id: $id) { id fills(first: 100) { nodes { id } } } }`;
    const [a, b] = costsOf(query, { id: 'o1' }, { id: 'o2' });
    expect(a).toBe(b);
  });
});

describe('queryCost of lists without a size', () => {
  const defaults = orderListBounds(500);

  test('cancelAllOrders with every order field costs its selection once, as before: the SDK\'s own mutation fits', () => {
    expect(costOf(CANCEL_ALL(ALL_ORDER_FIELDS))).toBe(1 + (1 + 22) + (1 + 2));
    expect(costOf(CANCEL_ALL(ALL_ORDER_FIELDS), {}, defaults)).toBe(costOf(CANCEL_ALL(ALL_ORDER_FIELDS)));
  });

  test('a page inside cancelAllOrders\' orders counts once per order the call can return (500 per market, 2 markets)', () => {
    // An order: its id, and a page of 100 fills, each `nodes` (1) with three fields.
    const perOrder = 1 + (1 + 100 * (1 + 3));
    expect(costOf(CANCEL_ALL_WITH_FILLS, {}, defaults)).toBe(1 + (1 + 1000 * perOrder) + (1 + 2));
    expect(costOf(CANCEL_ALL_WITH_FILLS, {}, defaults)).toBeGreaterThan(QUERY_LIMITS.maxCost);
    // A page with its size omitted (20), and a page reached through a fragment, count the same way.
    expect(costOf(CANCEL_ALL('fills { nodes { id } }'), {}, defaults)).toBeGreaterThan(QUERY_LIMITS.maxCost);
    const throughFragment = `mutation { cancelAllOrders(market: null) { orders { ...WithFills } userErrors { code } } }
      fragment WithFills on Order { id ... on Order { fills(first: 1) { nodes { id } } } }`;
    expect(costOf(throughFragment, {}, defaults)).toBe(1 + (1 + 1000 * (1 + (1 + 1 * (1 + 1)))) + (1 + 1));
  });

  test('the bound follows the open-order limit; without a limit it is the highest configurable one', () => {
    const smallPages = CANCEL_ALL('id fills(first: 10) { nodes { id price quantity } }');
    expect(costOf(smallPages, {}, orderListBounds(10))).toBe(1 + (1 + 20 * (1 + (1 + 10 * 4))) + 3);
    expect(costOf(smallPages, {}, orderListBounds(10))).toBeLessThanOrEqual(QUERY_LIMITS.maxCost);
    expect(costOf(smallPages, {}, orderListBounds(500))).toBeGreaterThan(QUERY_LIMITS.maxCost);
    expect(orderListBounds(null)).toEqual({ 'CancelAllOrdersPayload.orders': 200_000 });
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

  test('cancelAllOrders with fills inside its orders is refused before anything runs: the open order stays open', async () => {
    const placed = await signedRequest(server, key, { query: 'mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "100", quantity: "0.001" }) { order { id status } userErrors { code } } }' }, { headers: { 'idempotency-key': 'cost-rest-1' } });
    expect(placed.json.data.placeOrder.order.status).toBe('OPEN');
    const res = await signedRequest(server, key, { query: CANCEL_ALL_WITH_FILLS }, { headers: { 'idempotency-key': 'cost-cancel-1' } });
    expect(res.status).toBe(400);
    expect(res.json.errors[0].extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', maxCost: QUERY_LIMITS.maxCost });
    expect(res.json.errors[0].message).toContain("cancelAllOrders' orders");
    const after = await signedRequest(server, key, { query: `{ order(id: "${placed.json.data.placeOrder.order.id}") { status } }` });
    expect(after.json.data.order.status).toBe('OPEN');
    // The same call selecting every order field runs.
    const canceled = await signedRequest(server, key, { query: CANCEL_ALL(ALL_ORDER_FIELDS) }, { headers: { 'idempotency-key': 'cost-cancel-2' } });
    expect(canceled.status).toBe(200);
    expect(canceled.json.data.cancelAllOrders.orders.map((o: { status: string }) => o.status)).toEqual(['CANCELED']);
  });

  test('a page sized inside a fragment is refused with a large size after the same text ran with a small one', async () => {
    const small = await signedRequest(server, key, { query: FRAGMENT_PAGE, variables: { n: 1 } });
    expect(small.status).toBe(200);
    expect(small.json.errors).toBeUndefined();
    const large = await signedRequest(server, key, { query: FRAGMENT_PAGE, variables: { n: 100 } });
    expect(large.status).toBe(400);
    expect(large.json.data).toBeUndefined();
    expect(large.json.errors[0].extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', maxCost: QUERY_LIMITS.maxCost });
  });

  test('orderBook with depth null (a variable left null) answers the default depth, and its siblings run', async () => {
    const res = await signedRequest(server, key, { query: 'query($d: Int) { orderBook(market: "BTC-USD", depth: $d) { market bids { price } } serverTime }', variables: { d: null } });
    expect(res.status).toBe(200);
    expect(res.json.errors).toBeUndefined();
    expect(res.json.data).toEqual({ orderBook: { market: 'BTC-USD', bids: [] }, serverTime: expect.any(String) });
  });

  test('a page size over 100 gets the page-size error, once', async () => {
    const res = await signedRequest(server, key, { query: '{ me { orders(first: 2147483647) { nodes { id } } } }' });
    expect(res.json.errors).toHaveLength(1);
    expect(res.json.errors[0]).toMatchObject({ message: 'first must be between 1 and 100.', extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
  });
});
