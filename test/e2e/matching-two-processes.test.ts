import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { Dec, FEE_ACCOUNT_ID, MARKETS, type AssetCode, type OrderBookSnapshot } from '../../src/domain';
import { balancesOf, fundedAccount } from '../helpers/domain';
import { CLEAN_RECONCILIATION } from '../helpers/ledger-checks';
import { spawnSignet, type SignetProcess } from '../helpers/processes';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/services';
import { openSharedSchema, sendSigned, untilReady, type SharedSchema } from '../helpers/shared-schema';
import { createTestKey, type TestKey } from '../helpers/signet-server';
import { deleteKeysUnder } from '../../bench/redis-keys';

const gate = TEST_DATABASE_URL && TEST_REDIS_URL ? describe : describe.skip;
const PLACE = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } userErrors { code } } }';
/**
 * What each of the 4 accounts starts with: a few orders' worth (each of its 50 orders holds 20-150 USD,
 * 0.001-0.005 BTC or 0.01-0.05 ETH), so many are refused.
 */
const FUNDS: Readonly<Record<AssetCode, string>> = { USD: '400', BTC: '0.01', ETH: '0.1' };
const ORDERS = 200;
/** Each market's mid price and lot; both markets trade at once (their locks are separate, their balances shared). */
const BOOKS = { 'BTC-USD': { mid: '30000', lot: '0.001' }, 'ETH-USD': { mid: '2000', lot: '0.01' } } as const;

/**
 * Order i of the burst: accounts take turns, each alternating BUY and SELL, then the market; bids
 * mid+0.00 to mid+0.06 and asks mid-0.01 to mid+0.05 overlap, so most orders cross what rests on the other side.
 */
function orderOf(i: number) {
  const side = Math.floor(i / 4) % 2 === 0 ? 'BUY' : 'SELL';
  const market = Math.floor(i / 8) % 2 === 0 ? 'BTC-USD' : 'ETH-USD';
  const { mid, lot } = BOOKS[market];
  const step = new Dec(i % 7).times('0.01');
  const price = side === 'BUY' ? new Dec(mid).plus(step) : new Dec(mid).plus('0.05').minus(step);
  return { account: i % 4, input: { market, side, type: 'LIMIT', price: price.toFixed(2), quantity: new Dec(1 + (i % 5)).times(lot).toFixed() } };
}

const crossed = (book: OrderBookSnapshot) => book.bids.length > 0 && book.asks.length > 0 && !new Dec(book.bids[0].price).lt(book.asks[0].price);

/** Deletes this run's idempotency keys (SCAN under its own prefix; the Redis is shared). */
async function deleteRunKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await deleteKeysUnder(redis, prefix);
  } finally {
    await redis.quit();
  }
}

gate(`matching across two signet processes sharing PostgreSQL and Redis${TEST_DATABASE_URL && TEST_REDIS_URL ? '' : ' (skipped: TEST_DATABASE_URL and TEST_REDIS_URL are both needed)'}`, () => {
  const idempotencyPrefix = `t${randomBytes(4).toString('hex')}:idem:`;
  let shared: SharedSchema;
  let servers: SignetProcess[] = [];
  let accounts: Array<{ id: string; key: TestKey }> = [];

  beforeAll(async () => {
    shared = await openSharedSchema(TEST_DATABASE_URL as string, TEST_REDIS_URL as string);
    const env = shared.env({ SIGNET_IDEMPOTENCY_REDIS_PREFIX: idempotencyPrefix });
    servers = await Promise.all([spawnSignet(env), spawnSignet(env)]);
    await Promise.all(servers.map((s) => untilReady(s)));
    accounts = await Promise.all(Array.from({ length: 4 }, async (_, n) => {
      const id = await fundedAccount(shared.services, FUNDS, `match${n}`);
      return { id, key: await createTestKey(shared.services, id, 'ed25519') };
    }));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await shared?.close();
    await deleteRunKeys(TEST_REDIS_URL as string, idempotencyPrefix);
  });

  test(`${ORDERS} concurrent crossing orders in two markets from 4 accounts, split across both processes: no overdraw, book never crossed, no fill twice, books reconcile`, async () => {
    // Sample the book while the burst runs: each sample is one snapshot (one statement).
    const samples: OrderBookSnapshot[] = [];
    let running = true;
    const sampler = (async () => {
      // Paced: a tight loop would compete with the servers for the database.
      while (running) {
        for (const market of Object.keys(BOOKS)) samples.push((await shared.services.marketData.orderBook(market, 1))!);
        await sleep(10);
      }
    })();
    const orders = Array.from({ length: ORDERS }, (_, i) => orderOf(i));
    const responses = await Promise.all(orders.map(({ account, input }, i) =>
      sendSigned(servers[i % 2], accounts[account].key, JSON.stringify({ query: PLACE, variables: { i: input } }), { 'idempotency-key': `m-${i}-${randomBytes(4).toString('hex')}` })));
    running = false;
    await sampler;

    // Every request answered 200 without GraphQL errors: an order, or a refusal for want of funds.
    expect(responses.filter((r) => r.status !== 200 || r.json.errors !== undefined).map((r) => [r.status, r.json.errors?.map((e: { message: string; extensions?: { code?: string } }) => `${e.extensions?.code}: ${e.message}`)])).toEqual([]);
    const placed = responses.map((r, i) => ({ ...orders[i], id: r.json.data.placeOrder.order?.id as string | undefined, codes: r.json.data.placeOrder.userErrors.map((e: { code: string }) => e.code) }));
    expect(placed.filter((p) => (p.id === undefined) === (p.codes.length === 0))).toEqual([]);
    expect(new Set(placed.flatMap((p) => p.codes))).toEqual(new Set(['INSUFFICIENT_FUNDS']));

    expect(samples.length).toBeGreaterThan(5);
    expect(samples.filter(crossed)).toEqual([]);
    for (const market of Object.keys(BOOKS)) expect([market, crossed((await shared.services.marketData.orderBook(market, 1))!)]).toEqual([market, false]);

    // The orders in the database are exactly the acknowledged ones.
    const accountIds = accounts.map((a) => a.id);
    const rows = await shared.driver.query<{ id: string; seq: string; account_id: string; quantity: string; filled_quantity: string; status: string }>(
      'SELECT id::text AS id, seq, account_id::text AS account_id, quantity, filled_quantity, status FROM orders WHERE account_id = ANY($1::uuid[])', [accountIds],
    );
    expect(rows.map((r) => r.id).sort()).toEqual(placed.flatMap((p) => (p.id ? [p.id] : [])).sort());
    const orderById = new Map(rows.map((r) => [r.id, r]));

    // No fill twice: every trade is one MAKER and one TAKER fill, the maker rested before the taker came,
    // and each order's fills sum to its filled quantity, never above its quantity.
    const fills = await shared.driver.query<{ trade_id: string; order_id: string; account_id: string; market: keyof typeof BOOKS; side: string; quantity: string; quote_amount: string; fee: string; fee_asset: AssetCode; liquidity: string }>(
      'SELECT trade_id::text AS trade_id, order_id::text AS order_id, account_id::text AS account_id, market, side, quantity, quote_amount, fee, fee_asset, liquidity FROM fills ORDER BY seq',
    );
    const trades = new Map<string, typeof fills>();
    for (const f of fills) trades.set(f.trade_id, [...(trades.get(f.trade_id) ?? []), f]);
    expect(new Set(fills.map((f) => f.market))).toEqual(new Set(Object.keys(BOOKS)));
    expect(trades.size).toBeGreaterThan(20);
    for (const pair of trades.values()) {
      expect(pair.map((f) => f.liquidity).sort()).toEqual(['MAKER', 'TAKER']);
      const [maker, taker] = pair[0].liquidity === 'MAKER' ? pair : [pair[1], pair[0]];
      expect(maker.account_id).not.toBe(taker.account_id);
      expect(Number(orderById.get(maker.order_id)!.seq)).toBeLessThan(Number(orderById.get(taker.order_id)!.seq));
    }
    const filledOf = new Map<string, Dec>();
    for (const f of fills) filledOf.set(f.order_id, (filledOf.get(f.order_id) ?? new Dec(0)).plus(f.quantity));
    for (const order of rows) {
      const filled = filledOf.get(order.id) ?? new Dec(0);
      expect([order.id, filled.toFixed()]).toEqual([order.id, new Dec(order.filled_quantity).toFixed()]);
      expect(filled.lte(order.quantity)).toBe(true);
    }

    // No overdraw: each balance is what the account was given, plus what it received, minus what it paid and its fees, and none is negative.
    for (const { id } of accounts) {
      const expected = new Map(Object.entries(FUNDS).map(([asset, amount]) => [asset, new Dec(amount)]));
      const add = (asset: string, amount: Dec) => expected.set(asset, expected.get(asset)!.plus(amount));
      for (const f of fills.filter((x) => x.account_id === id)) {
        const { baseAsset, quoteAsset } = MARKETS.get(f.market)!;
        const [paid, received] = f.side === 'BUY' ? [[quoteAsset, f.quote_amount], [baseAsset, f.quantity]] as const : [[baseAsset, f.quantity], [quoteAsset, f.quote_amount]] as const;
        add(paid[0], new Dec(paid[1]).negated());
        add(received[0], new Dec(received[1]).minus(f.fee));
      }
      const balances = await balancesOf(shared.services, id);
      for (const [asset, amount] of expected) {
        const { available, held } = balances[asset];
        expect([id, asset, new Dec(available).plus(held).toFixed()]).toEqual([id, asset, amount.toFixed()]);
        expect(new Dec(available).isNegative() || new Dec(held).isNegative()).toBe(false);
      }
    }
    // Each fee is in the asset its payer received, and all of them reached the fee account.
    const fees = await balancesOf(shared.services, FEE_ACCOUNT_ID);
    const feesIn = (asset: AssetCode) => fills.filter((f) => f.fee_asset === asset).reduce((sum, f) => sum.plus(f.fee), new Dec(0)).toFixed();
    expect(Object.fromEntries(Object.entries(fees).map(([asset, b]) => [asset, b.available]))).toEqual({ USD: feesIn('USD'), BTC: feesIn('BTC'), ETH: feesIn('ETH') });

    expect(await shared.services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  }, 60_000);
});
