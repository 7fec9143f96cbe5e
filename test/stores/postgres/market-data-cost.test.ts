/**
 * Public market data costs the same however much the market traded (market-data review, on
 * PostgreSQL with 1,000,000 trades a day): the ticker's 24-hour volume read every trade of the day
 * (0.45 s of database CPU a call, 15 aliases in one anonymous request); `trades` and the ticker's
 * last price, asked for a market that traded less than the others, walked the index of every
 * market's fills and read the others' newer trades (0.4 s for a market 1,000,000 trades behind, and
 * any `after` cursor older than a market's first trade walked everything older); the price source
 * behind `me.valuation` grouped the whole live book. Each read here is checked by what PostgreSQL
 * reads for it (EXPLAIN ANALYZE), with the statement and values the server sends.
 */
import { seedOrderHistory, seedRestingOrders } from '../../../bench/book-seed';
import type { DomainServices } from '../../../src/domain';
import { createSqlStores } from '../../../src/stores/postgres';
import { openPostgresDatabase, type TestDatabase } from '../../helpers/database';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { describeWithPostgres } from '../../helpers/services';
import { loggedDriver, type LoggedDriver, type LoggedStatement } from '../../helpers/statement-log';

/** Historical orders per seeding: a quarter of them trades (10,000), one every 4 s (15 a minute). */
const ORDERS = 40_000;

interface PlanNode { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; 'Actual Rows'?: number; 'Actual Loops'?: number; 'Rows Removed by Filter'?: number; Plans?: PlanNode[] }
const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

describeWithPostgres('public market data reads a bounded part of the trades, however many there are (PostgreSQL)', (url) => {
  let db: TestDatabase;
  let logged: LoggedDriver;
  let services: DomainServices;

  /** Rows of `table` that PostgreSQL read (returned or filtered out) for each statement `work` sent. */
  async function rowsRead(table: string, work: () => Promise<unknown>): Promise<number[]> {
    const statements: LoggedStatement[] = (await logged.queriesOf(work)).filter((s) => s.text.startsWith('SELECT'));
    expect(statements.length).toBeGreaterThan(0);
    return Promise.all(statements.map(async ({ text, params }) => {
      const [row] = await db.driver.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, params);
      return nodesOf(row['QUERY PLAN'][0].Plan)
        .filter((n) => n['Relation Name'] === table)
        .reduce((sum, n) => sum + ((n['Actual Rows'] ?? 0) + (n['Rows Removed by Filter'] ?? 0)) * (n['Actual Loops'] ?? 1), 0);
    }));
  }

  beforeAll(async () => {
    db = await openPostgresDatabase(url, { maxConnections: 4 });
    logged = loggedDriver(db.driver);
    services = servicesFor(logged);
    const holderId = await fundedAccount(services, {}, 'history');
    const counterpartyId = await fundedAccount(services, {}, 'counterparty');
    // BTC-USD trades, then ETH-USD's, then BTC-USD's again: ETH-USD is the quiet market, with
    // trades of another market both older and newer than all of its own.
    for (const market of ['BTC-USD', 'ETH-USD', 'BTC-USD']) await seedOrderHistory(db.driver, { holderId, counterpartyId, count: ORDERS, market });
    // A live book on both sides of both markets, for the price source.
    const maker = await fundedAccount(services, { USD: '1000000', BTC: '100', ETH: '1000' }, 'maker');
    for (const [market, side, price] of [['BTC-USD', 'BUY', '29000'], ['BTC-USD', 'SELL', '31000'], ['ETH-USD', 'BUY', '1900'], ['ETH-USD', 'SELL', '2100']] as const) {
      await seedRestingOrders(db.driver, { accountId: maker, market, side, price, quantity: '0.01', count: 2_000 });
    }
    await db.driver.query('ANALYZE');
  }, 120_000);

  afterAll(async () => db?.close());

  // The history is written by plain INSERTs into fills, not by placements: what a process of the
  // previous release writes during a rolling upgrade. The trigger on fills counts it all the same.
  test('the ticker\'s 24-hour volume is every trade of the day, read from at most one minute of fills', async () => {
    for (const market of ['BTC-USD', 'ETH-USD']) {
      const [fromFills] = await db.driver.query<{ volume: string }>(
        "SELECT SUM(quantity)::text AS volume FROM fills WHERE market = $1 AND liquidity = 'TAKER' AND created_at >= now() - interval '24 hours'", [market],
      );
      expect(Number((await services.marketData.ticker(market))?.volume)).toBe(Number(fromFills.volume));
      // One statement; of the fills, the trades of the minute the window starts in (15 a minute
      // here) and the last trade: not the day's 10,000 or 20,000.
      const [read] = await rowsRead('fills', () => services.marketData.ticker(market));
      expect(read).toBeLessThanOrEqual(40);
    }
  });

  test('a market\'s trades, and the ticker\'s last price, read that market\'s trades only: the first page, and a cursor older than all of them', async () => {
    const page = await services.marketData.trades('ETH-USD', { limit: 50 });
    expect(page?.items).toHaveLength(50);
    expect(page?.items.every((t) => t.market === 'ETH-USD')).toBe(true);
    const [firstPage] = await rowsRead('fills', () => services.marketData.trades('ETH-USD', { limit: 50 }));
    // The page and the one row that tells a next page exists.
    expect(firstPage).toBeLessThanOrEqual(51);
    const [oldest] = await db.driver.query<{ seq: string }>("SELECT min(seq)::text AS seq FROM fills WHERE market = 'ETH-USD'");
    const [beforeAll] = await rowsRead('fills', async () => {
      expect((await services.marketData.trades('ETH-USD', { limit: 50, beforeSeq: Number(oldest.seq) }))?.items).toEqual([]);
    });
    expect(beforeAll).toBe(0);
    expect((await rowsRead('fills', () => services.marketData.ticker('ETH-USD')))[0]).toBeLessThanOrEqual(40);
  });

  test('the price source reads each market\'s best bid and ask from the ends of its live-order indexes, not the whole book', async () => {
    const book = createSqlStores(logged).orderBook;
    let quotes: unknown;
    const [read] = await rowsRead('orders', async () => { quotes = await book.bestQuotes(); });
    expect(quotes).toEqual([
      { market: 'BTC-USD', bestBid: '29000', bestAsk: '31000' },
      { market: 'ETH-USD', bestBid: '1900', bestAsk: '2100' },
    ]);
    // Two markets, two sides: one index entry each (8,000 live orders in all).
    expect(read).toBeLessThanOrEqual(8);
  });
});

describeWithPostgres('the minute totals of a schema, whoever inserts its fills (PostgreSQL)', (url) => {
  test('a session whose search_path is another schema, naming this one, still counts into this schema\'s totals', async () => {
    const db = await openPostgresDatabase(url, { maxConnections: 2 });
    try {
      const services = servicesFor(db.driver);
      const seller = await fundedAccount(services, { BTC: '1' }, 'seller');
      const buyer = await fundedAccount(services, { USD: '100000' }, 'buyer');
      for (const [account, side] of [[seller, 'SELL'], [buyer, 'BUY']] as const) {
        const placed = await services.orders.placeOrder(account, { market: 'BTC-USD', side, price: '30000', quantity: '0.25' });
        expect(placed.ok).toBe(true);
      }
      const [{ schema }] = await db.driver.query<{ schema: string }>('SELECT current_schema() AS schema');
      // An operator's session: search_path is public (where no Signet table is), the schema named in the statement.
      const { Client } = await import('pg');
      const operator = new Client({ connectionString: url });
      await operator.connect();
      try {
        await operator.query('SET search_path = public');
        await operator.query(
          `INSERT INTO ${schema}.fills (id, trade_id, order_id, account_id, market, side, price, quantity, quote_amount, fee, fee_asset, liquidity, created_at)
           SELECT gen_random_uuid(), gen_random_uuid(), order_id, account_id, market, side, price, quantity, quote_amount, fee, fee_asset, liquidity, created_at
           FROM ${schema}.fills WHERE liquidity = 'TAKER'`,
        );
      } finally {
        await operator.end();
      }
      expect((await services.marketData.ticker('BTC-USD'))?.volume).toBe('0.5');
    } finally {
      await db.close();
    }
  });
});
