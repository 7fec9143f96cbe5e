import { Dec, type DomainServices } from '../../../src/domain';
import { openPostgresDatabase, type TestDatabase } from '../../helpers/database';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { describeWithPostgres } from '../../helpers/services';
import { loggedDriver, type LoggedDriver, type LoggedStatement } from '../../helpers/statement-log';

/** Final orders of one account in one market: the history that must not slow live reads. */
const HISTORY = 50_000;

/** One node of an EXPLAIN (FORMAT JSON) plan. */
interface PlanNode { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; 'Index Cond'?: string; Plans?: PlanNode[] }

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/**
 * Each statement's scans of the orders table, as PostgreSQL plans it with the parameters it was
 * sent with: the orders indexes it reads and whether it reads the table whole.
 */
async function ordersScans(db: TestDatabase, statements: readonly LoggedStatement[]) {
  return Promise.all(statements.map(async ({ text, params }) => {
    const [row] = await db.driver.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) ${text}`, params);
    const nodes = nodesOf(row['QUERY PLAN'][0].Plan);
    return {
      indexes: [...new Set(nodes.flatMap((n) => (n['Index Name']?.startsWith('orders') ? [n['Index Name']] : [])))].sort(),
      seqScan: nodes.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'orders'),
    };
  }));
}

/**
 * The same, as PostgreSQL plans a prepared statement once for any values (a generic plan, which it
 * may keep for a statement sent with `prepared: true`): forced here, so a plan that needs the
 * values to find the index would show.
 */
async function genericOrdersScans(db: TestDatabase, statements: readonly LoggedStatement[]) {
  const literal = (value: unknown) => (value === null ? 'NULL' : `'${String(value).replace(/'/g, "''")}'`);
  return Promise.all(statements.map(({ text, params }) => db.driver.begin(async (tx) => {
    await tx.query('SET LOCAL plan_cache_mode = force_generic_plan');
    await tx.query(`PREPARE generic_check AS ${text}`);
    const [row] = await tx.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) EXECUTE generic_check(${params.map(literal).join(', ')})`);
    await tx.query('DEALLOCATE generic_check');
    const nodes = nodesOf(row['QUERY PLAN'][0].Plan);
    return {
      indexes: [...new Set(nodes.flatMap((n) => (n['Index Name']?.startsWith('orders') ? [n['Index Name']] : [])))].sort(),
      seqScan: nodes.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'orders'),
      // The index scan starts or stops at a price: it does not walk the whole side to find its rows.
      priceInIndexCond: nodes.some((n) => /\bprice\b/.test(n['Index Cond'] ?? '')),
    };
  })));
}

describeWithPostgres('history does not slow live-order reads (PostgreSQL plans)', (url) => {
  let db: TestDatabase;
  let logged: LoggedDriver;
  let services: DomainServices;
  let trader: string;

  beforeAll(async () => {
    db = await openPostgresDatabase(url);
    logged = loggedDriver(db.driver);
    services = servicesFor(logged);
    trader = await fundedAccount(services, { USD: '100000', BTC: '10' }, 'history');
    const other = await fundedAccount(services, { USD: '100000', BTC: '10' }, 'other');
    // One statement: both sides, a third FILLED and the rest CANCELED, all a day old and holding nothing.
    await db.driver.query(
      `INSERT INTO orders (id, account_id, market, side, type, price, quantity, status, status_reason, filled_quantity, filled_quote,
         hold_asset, hold_amount, hold_remaining, created_at, updated_at)
       SELECT gen_random_uuid(), $1, 'BTC-USD', CASE WHEN g % 2 = 0 THEN 'BUY' ELSE 'SELL' END, 'LIMIT', 100 + g % 200, 0.01,
         CASE WHEN g % 3 = 0 THEN 'FILLED' ELSE 'CANCELED' END, CASE WHEN g % 3 = 0 THEN NULL ELSE 'CANCELED_BY_USER' END,
         CASE WHEN g % 3 = 0 THEN 0.01 ELSE 0 END, CASE WHEN g % 3 = 0 THEN (100 + g % 200) * 0.01 ELSE 0 END,
         CASE WHEN g % 2 = 0 THEN 'USD' ELSE 'BTC' END, 3, 0, now() - interval '1 day', now() - interval '1 day'
       FROM generate_series(1, ${HISTORY}) AS g`,
      [trader],
    );
    // A handful of live orders on both sides, in the price range of the history.
    for (const [account, side, price] of [[trader, 'BUY', '150'], [trader, 'BUY', '149.5'], [other, 'BUY', '150'], [trader, 'SELL', '250'], [other, 'SELL', '251']] as const) {
      const placed = await services.orders.placeOrder(account, { market: 'BTC-USD', side, type: 'LIMIT', price, quantity: '0.01' });
      if (!placed.ok) throw new Error(JSON.stringify(placed.errors));
    }
    await db.driver.query('ANALYZE orders');
  }, 60_000);

  afterAll(async () => db?.close());

  /** The statements on orders that `work` sends (the transaction's own statements left out). */
  const ordersStatementsOf = async (work: () => Promise<unknown>) =>
    (await logged.queriesOf(work)).filter((s) => /\bFROM orders\b/.test(s.text));

  test(`the account has ${HISTORY} final orders and its live ones`, async () => {
    const [row] = await db.driver.query<{ n: string }>('SELECT count(*) AS n FROM orders WHERE account_id = $1', [trader]);
    expect(Number(row.n)).toBe(HISTORY + 3);
  });

  test('open-order listings (live, and status OPEN) read only the live-order index of the account', async () => {
    let live: unknown;
    let open: unknown;
    const statements = [
      ...await ordersStatementsOf(async () => { live = await services.orders.listOrders(trader, { limit: 10, live: true }); }),
      ...await ordersStatementsOf(async () => { open = await services.orders.listOrders(trader, { limit: 10, status: 'OPEN' }); }),
    ];
    expect([live, open].map((page) => (page as { items: unknown[] }).items.length)).toEqual([3, 3]);
    expect(statements).toHaveLength(2);
    expect(await ordersScans(db, statements)).toEqual([
      { indexes: ['orders_live_account'], seqScan: false },
      { indexes: ['orders_live_account'], seqScan: false },
    ]);
  });

  test('the book a placement reads, each side with and without a limit and a cursor, comes from that side\'s live-order index', async () => {
    const { repo } = services.uow;
    const reads = [
      () => repo.readBook({ market: 'BTC-USD', side: 'SELL', limitPrice: null, after: null, limit: 50 }),
      () => repo.readBook({ market: 'BTC-USD', side: 'SELL', limitPrice: new Dec('260'), after: { price: new Dec('250'), seq: 1 }, limit: 50 }),
      () => repo.readBook({ market: 'BTC-USD', side: 'BUY', limitPrice: null, after: null, limit: 50 }),
      () => repo.readBook({ market: 'BTC-USD', side: 'BUY', limitPrice: new Dec('140'), after: { price: new Dec('150'), seq: 1 }, limit: 50 }),
    ];
    const statements: LoggedStatement[] = [];
    const found: number[] = [];
    for (const read of reads) statements.push(...await ordersStatementsOf(async () => found.push((await read()).length)));
    expect(found).toEqual([2, 2, 3, 3]);
    const expected = [
      { indexes: ['orders_live_asks'], seqScan: false },
      { indexes: ['orders_live_asks'], seqScan: false },
      { indexes: ['orders_live_bids'], seqScan: false },
      { indexes: ['orders_live_bids'], seqScan: false },
    ];
    expect(await ordersScans(db, statements)).toEqual(expected);
    // The book read is a prepared statement: its plan for any values reads the same index, bounded
    // by the limit price or the cursor when there is one (a `$n IS NULL OR price <= $n` would not be).
    expect(await genericOrdersScans(db, statements)).toEqual(expected.map((e, i) => ({ ...e, priceInIndexCond: i % 2 === 1 })));
  });

  test('a placement that matches reads the book from the live-order index', async () => {
    const buyer = await fundedAccount(services, { USD: '1000' }, 'taker');
    const statements = await ordersStatementsOf(() => services.orders.placeOrder(buyer, { market: 'BTC-USD', side: 'BUY', type: 'LIMIT', price: '251', quantity: '0.001' }));
    const reads = statements.filter((s) => s.text.startsWith('SELECT'));
    expect(reads).toHaveLength(1);
    expect(await ordersScans(db, reads)).toEqual([{ indexes: ['orders_live_asks'], seqScan: false }]);
  });

  test('orderBook and the ticker\'s best bid and ask read both live-order indexes of the market', async () => {
    const statements = [
      ...await ordersStatementsOf(() => services.marketData.orderBook('BTC-USD', 10)),
      ...await ordersStatementsOf(() => services.marketData.ticker('BTC-USD')),
    ];
    expect(statements).toHaveLength(2);
    expect(await ordersScans(db, statements)).toEqual([
      { indexes: ['orders_live_asks', 'orders_live_bids'], seqScan: false },
      { indexes: ['orders_live_asks', 'orders_live_bids'], seqScan: false },
    ]);
  });

  test('cancelAllOrders finds the account\'s live orders through the live-order index: the markets to lock, then the orders', async () => {
    const statements = await ordersStatementsOf(async () => {
      const canceled = await services.orders.cancelAllOrders(trader, null);
      expect(canceled.ok && canceled.value.map((o) => o.price).sort()).toEqual(['149.5', '150', '250']);
    });
    expect(statements).toHaveLength(2);
    expect(await ordersScans(db, statements)).toEqual([
      { indexes: ['orders_live_account'], seqScan: false },
      { indexes: ['orders_live_account', 'orders_pkey'], seqScan: false },
    ]);
  });
});
