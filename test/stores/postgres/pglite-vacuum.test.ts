import { PGlite } from '@electric-sql/pglite';
import type { DomainServices } from '../../../src/domain';
import { createPgliteDriver, migrate, type SqlDriver, type SqlExecutor } from '../../../src/stores/postgres';
import { createVacuumScheduler, type VacuumPolicy } from '../../../src/stores/postgres/pglite-vacuum';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { loggedDriver, type LoggedDriver, type LoggedStatement } from '../../helpers/statement-log';

/** Trades one at a time in one market, as a crossing flow does: each fills (and so retires) one resting order. */
const TRADES = 1_200;
/** Small numbers, so a test of 1,200 trades sees several vacuums. */
const POLICY: VacuumPolicy = { checkEveryCommits: 50, deadRowsBase: 100, deadRowsFraction: 0.02 };

interface Market { readonly driver: LoggedDriver; readonly services: DomainServices; readonly taker: string; readonly vacuumErrors: string[] }

async function openMarket(vacuum: VacuumPolicy | null, makers: number): Promise<Market> {
  const vacuumErrors: string[] = [];
  const driver = loggedDriver(await createPgliteDriver(undefined, { vacuum, onVacuumError: (error) => vacuumErrors.push(error.message) }));
  await migrate(driver);
  // One maker account rests every order the market trades against (more than the default open-order limit of 500).
  const services = servicesFor(driver, { maxOpenOrders: null });
  const maker = await fundedAccount(services, { BTC: '10' }, 'maker');
  const taker = await fundedAccount(services, { USD: '100000' }, 'taker');
  for (let i = 0; i < makers; i += 1) {
    const placed = await services.orders.placeOrder(maker, { market: 'BTC-USD', side: 'SELL', price: '30000', quantity: '0.00001' });
    if (!placed.ok) throw new Error(placed.errors[0].message);
  }
  return { driver, services, taker, vacuumErrors };
}

async function crossOneLot(market: Market): Promise<void> {
  const placed = await market.services.orders.placeOrder(market.taker, { market: 'BTC-USD', side: 'BUY', price: '30000', quantity: '0.00001' });
  if (!placed.ok || placed.value.status !== 'FILLED') throw new Error('the crossing order did not fill');
}

/** The book read of the next crossing placement, as the placement sends it. */
async function nextBookRead(market: Market): Promise<LoggedStatement> {
  const statements = await market.driver.queriesOf(() => crossOneLot(market));
  const read = statements.find((s) => s.text.startsWith('SELECT') && s.text.includes('ORDER BY price'));
  if (!read) throw new Error(`no book read among ${statements.map((s) => s.text.slice(0, 40)).join(' | ')}`);
  return read;
}

/** Pages (shared buffers) the statement touches: what walking past dead index entries costs, counted instead of timed. */
async function pagesTouched(driver: SqlDriver, { text, params }: LoggedStatement): Promise<number> {
  const [row] = await driver.query<{ 'QUERY PLAN': Array<{ Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } }> }>(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, params,
  );
  const plan = row['QUERY PLAN'][0].Plan;
  return plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];
}

/** The table's true dead rows: the backend's pending statistics flushed first (PostgreSQL publishes them at most once a second). */
async function deadOrderRows(driver: SqlDriver): Promise<{ dead: number; vacuums: number }> {
  await driver.query('SELECT pg_stat_force_next_flush()');
  const [row] = await driver.query<{ dead: string; vacuums: string }>(
    "SELECT n_dead_tup AS dead, vacuum_count AS vacuums FROM pg_stat_user_tables WHERE relname = 'orders'",
  );
  return { dead: Number(row.dead), vacuums: Number(row.vacuums) };
}

describe('PGlite vacuums as autovacuum would (it has no autovacuum of its own)', () => {
  const markets: Market[] = [];
  afterAll(async () => {
    await Promise.all(markets.map((m) => m.driver.close()));
  });

  it('keeps the book read of a crossing market as cheap after 1,200 trades as at the start; without it the read walks every filled order', async () => {
    const never = await openMarket(null, TRADES + 20);
    const vacuumed = await openMarket(POLICY, TRADES + 20);
    markets.push(never, vacuumed);
    const freshNever = await pagesTouched(never.driver, await nextBookRead(never));
    const freshVacuumed = await pagesTouched(vacuumed.driver, await nextBookRead(vacuumed));
    for (let i = 0; i < TRADES; i += 1) {
      await crossOneLot(never);
      await crossOneLot(vacuumed);
    }
    const afterNever = await pagesTouched(never.driver, await nextBookRead(never));
    const afterVacuumed = await pagesTouched(vacuumed.driver, await nextBookRead(vacuumed));

    // The cause: each filled maker's old row version stays in the live-asks index until a vacuum.
    expect(afterNever).toBeGreaterThanOrEqual(freshNever + 3);
    // The fix: at most the dead rows the policy allows between two checks.
    expect(afterVacuumed).toBeLessThanOrEqual(freshVacuumed + 1);
    const stats = await deadOrderRows(vacuumed.driver);
    expect(stats.vacuums).toBeGreaterThan(0);
    expect(stats.dead).toBeLessThanOrEqual(POLICY.deadRowsBase + POLICY.deadRowsFraction * (2 * TRADES + 40) + POLICY.checkEveryCommits);
    expect((await deadOrderRows(never.driver)).vacuums).toBe(0);
    expect(vacuumed.vacuumErrors).toEqual([]);
  }, 120_000);
});

describe('PGlite driver vacuums, as its database sees them', () => {
  /** What the driver asked of its PGlite database, in order: each VACUUM's start and end, and the close. */
  const events: string[] = [];
  beforeEach(() => {
    events.length = 0;
    // Only databases the driver queried (PGlite closes instances of its own while it starts).
    const queried = new WeakSet<PGlite>();
    const query = PGlite.prototype.query;
    jest.spyOn(PGlite.prototype, 'query').mockImplementation(async function (this: PGlite, ...args: Parameters<PGlite['query']>) {
      queried.add(this);
      if (!String(args[0]).startsWith('VACUUM')) return query.apply(this, args);
      events.push('vacuum started');
      try {
        const result = await query.apply(this, args);
        events.push('vacuum done');
        return result;
      } catch (error) {
        events.push(`vacuum failed: ${(error as Error).message}`);
        throw error;
      }
    });
    const close = PGlite.prototype.close;
    jest.spyOn(PGlite.prototype, 'close').mockImplementation(function (this: PGlite) {
      if (queried.has(this)) events.push('database closed');
      return close.apply(this);
    });
  });
  afterEach(() => jest.restoreAllMocks());

  /** A driver that checks after every commit, over a table of 2,000 rows. */
  async function churnDatabase(deadRowsBase: number, errors: string[]): Promise<SqlDriver> {
    const driver = await createPgliteDriver(undefined, { vacuum: { checkEveryCommits: 1, deadRowsBase, deadRowsFraction: 0 }, onVacuumError: (error) => errors.push(error.message) });
    await driver.query('CREATE TABLE churn (id int PRIMARY KEY, n int NOT NULL)');
    await driver.query('INSERT INTO churn SELECT g, 0 FROM generate_series(1, 2000) AS g');
    return driver;
  }

  it('decides on the dead rows as they are at the check: PostgreSQL publishes a backend\'s statistics at most once a second', async () => {
    const errors: string[] = [];
    const driver = await churnDatabase(100, errors);
    // Published now, so the next commit's 2,000 dead rows stay unpublished for up to a second.
    await driver.query('SELECT pg_stat_force_next_flush()');
    await driver.begin((tx) => tx.query('UPDATE churn SET n = n + 1'));
    await driver.close();
    expect(events).toEqual(['vacuum started', 'vacuum done', 'database closed']);
    expect(errors).toEqual([]);
  }, 60_000);

  it('closes after the running vacuum, which neither fails nor is lost', async () => {
    const errors: string[] = [];
    const driver = await churnDatabase(0, errors);
    // This commit starts a check that finds its dead rows and queues a VACUUM; the close comes while it runs.
    await driver.begin((tx) => tx.query('UPDATE churn SET n = n + 1'));
    await driver.close();
    // The vacuum ran to its end before the database closed: neither lost nor failed.
    expect(events).toEqual(['vacuum started', 'vacuum done', 'database closed']);
    expect(errors).toEqual([]);
  }, 60_000);
});

describe('vacuum scheduler', () => {
  /** An executor that answers the statistics query with `tables` and records every VACUUM. */
  function fakeDatabase(tables: string[], options: { failVacuum?: boolean; hold?: Promise<void> } = {}) {
    const statements: string[] = [];
    const db: SqlExecutor = {
      async query<R>(text: string) {
        statements.push(text.replace(/\s+/g, ' ').trim());
        if (text.startsWith('VACUUM')) {
          await options.hold;
          if (options.failVacuum) throw new Error('disk full');
          return [] as R[];
        }
        return tables.map((name) => ({ name })) as R[];
      },
    };
    return { db, statements, vacuums: () => statements.filter((s) => s.startsWith('VACUUM')) };
  }
  const policy: VacuumPolicy = { checkEveryCommits: 3, deadRowsBase: 10, deadRowsFraction: 0.1 };

  it('reads the statistics once every checkEveryCommits commits and vacuums each table past the threshold', async () => {
    const fake = fakeDatabase(['public.orders', 'public."odd name"']);
    const scheduler = createVacuumScheduler(fake.db, policy, (error) => { throw error; });
    scheduler.committed();
    scheduler.committed();
    await scheduler.settled();
    expect(fake.statements).toEqual([]);
    scheduler.committed();
    await scheduler.settled();
    expect(fake.vacuums()).toEqual(['VACUUM public.orders', 'VACUUM public."odd name"']);
    // The backend's pending statistics are published before they are read.
    expect(fake.statements[0]).toBe('SELECT pg_stat_force_next_flush()');
    expect(fake.statements[1]).toContain('n_dead_tup >');
  });

  it('runs one check at a time: commits during a vacuum start no second one', async () => {
    let release = () => undefined as void;
    const fake = fakeDatabase(['public.orders'], { hold: new Promise<void>((resolve) => { release = resolve; }) });
    const scheduler = createVacuumScheduler(fake.db, policy, (error) => { throw error; });
    for (let i = 0; i < 3 * policy.checkEveryCommits; i += 1) scheduler.committed();
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await scheduler.settled();
    expect(fake.vacuums()).toHaveLength(1);
  });

  it('reports a failed vacuum and tries again at the next check', async () => {
    const fake = fakeDatabase(['public.orders'], { failVacuum: true });
    const errors: string[] = [];
    const scheduler = createVacuumScheduler(fake.db, policy, (error) => errors.push(error.message));
    for (let i = 0; i < 2 * policy.checkEveryCommits; i += 1) {
      scheduler.committed();
      await scheduler.settled();
    }
    expect(errors).toEqual(['disk full', 'disk full']);
    expect(fake.vacuums()).toHaveLength(2);
  });
});
