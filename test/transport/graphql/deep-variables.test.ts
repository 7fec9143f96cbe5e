/**
 * Variables are the client's JSON, nested as deep as the 64 KiB body allows. Whatever reads
 * them (the introspection cache's key, the query-cost step, the admission plan, the @idempotent
 * fingerprint, the logs) answers without a 500 and writes no error-level log line: an unused
 * variable is ignored, and a deep value given to a declared variable is the client's error.
 */
import type { DomainServices } from '../../../src/domain';
import type { TestDatabase } from '../../helpers/database';
import { captureLogger } from '../../helpers/logger';
import { memoryStores, openSigningAccount, signedRequest, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';

/** JSON text of an array nested `depth` levels deep: `[[[…]]]`. */
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
/** A request body as JSON text, with `variables` already written as JSON text. */
const bodyOf = (query: string, variables: string) => `{"query":${JSON.stringify(query)},"variables":${variables}}`;

const PLACE = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id status } userErrors { code } } }';
const ORDER = '{"market":"BTC-USD","side":"BUY","price":"100","quantity":"0.01"}';

describe('deeply nested variables', () => {
  let db: TestDatabase;
  let services: DomainServices;
  let accountId: string;
  let key: TestKey;
  let server: RunningSignet;
  const log = captureLogger();
  beforeAll(async () => {
    ({ db, services, accountId, key } = await openSigningAccount({ USD: '1000' }, 'deep-vars'));
    server = await startSignet(services, memoryStores(), { logger: log.logger });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });
  let linesBefore = 0;
  beforeEach(() => {
    linesBefore = log.lines().length;
  });
  afterEach(() => {
    // Level 50 is error, 60 fatal: what pages an operator.
    expect(log.lines().slice(linesBefore).filter((line) => Number(line.level) >= 50)).toEqual([]);
  });

  /** POSTs `body` unsigned and parses the answer. */
  async function post(body: string) {
    const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: res.status, json: await res.json() };
  }

  test.each([1_000, 5_000, 20_000])('an introspection-only query with an unused variable nested %i deep is answered', async (depth) => {
    const res = await post(bodyOf('{ __typename }', `{"x":${nested(depth)}}`));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ data: { __typename: 'Query' } });
  });

  test('an introspection lookup with its own variable and a deep unused one answers the lookup, every time', async () => {
    const query = 'query Lookup($name: String!) { __type(name: $name) { name kind } }';
    for (let i = 0; i < 2; i++) {
      const res = await post(bodyOf(query, `{"name":"OrderSide","x":${nested(20_000)}}`));
      expect(res.status).toBe(200);
      expect(res.json.data.__type).toEqual({ name: 'OrderSide', kind: 'ENUM' });
    }
  });

  test('a deep value for a page size the cost step reads is the client\'s error; a deep unused variable is ignored', async () => {
    const trades = 'query($n: Int) { trades(market: "BTC-USD", first: $n) { nodes { price } } }';
    const refused = await post(bodyOf(trades, `{"n":${nested(20_000)}}`));
    expect(refused.status).toBe(400);
    expect(refused.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const answered = await post(bodyOf(trades, `{"n":5,"x":${nested(20_000)}}`));
    expect(answered.status).toBe(200);
    expect(answered.json.errors).toBeUndefined();
    expect(Array.isArray(answered.json.data.trades.nodes)).toBe(true);
  });

  test('a signed keyed placeOrder with a deep unused variable runs once; a deep value inside its input is refused and places nothing', async () => {
    const call = (variables: string, idempotencyKey: string) => signedRequest(server, key, undefined, { body: bodyOf(PLACE, variables), headers: { 'idempotency-key': idempotencyKey } });
    const placed = await call(`{"i":${ORDER},"x":${nested(20_000)}}`, 'deep-vars-1');
    expect(placed.status).toBe(200);
    expect(placed.json.data.placeOrder.order.status).toBe('OPEN');
    const replayed = await call(`{"i":${ORDER},"x":${nested(20_000)}}`, 'deep-vars-1');
    expect(replayed.status).toBe(200);
    expect(replayed.json.data.placeOrder.order.id).toBe(placed.json.data.placeOrder.order.id);

    const refused = await call(`{"i":{"market":"BTC-USD","side":"BUY","price":${nested(20_000)},"quantity":"0.01"}}`, 'deep-vars-2');
    expect(refused.status).not.toBe(500);
    expect(refused.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await services.orders.listOrders(accountId, { limit: 100 })).items).toHaveLength(1);
  });
});
