import { createPgliteDriver, migrate } from '../../../src/stores/postgres';
import type { DomainServices } from '../../../src/domain';
import { balancesOf, fundedAccount, servicesFor } from '../../helpers/domain';
import { CLEAN_RECONCILIATION } from '../../helpers/ledger-checks';
import { loggedDriver, type LoggedDriver } from '../../helpers/statement-log';

/**
 * On PGlite, whose transactions run one at a time, the writes leave out the locks that only order
 * concurrent transactions (account locks, balance-row locks), and every prepared statement runs
 * with its generic plan. Without the locks, PostgreSQL's own choice planned the crossing placement
 * statement again on every run (its generic plan's estimates cost more than a custom plan plus
 * planning): about 0.6 ms of the one thread per trade. PostgreSQL keeps both locks (the
 * concurrency tests in this folder), so only PGlite is asked here.
 */
describe('PGlite: serialized writes', () => {
  let driver: LoggedDriver;
  let services: DomainServices;
  let maker: string;
  let taker: string;

  beforeAll(async () => {
    driver = loggedDriver(await createPgliteDriver());
    await migrate(driver);
    services = servicesFor(driver, { maxOpenOrders: null });
    maker = await fundedAccount(services, { BTC: '10', USD: '100000' }, 'maker');
    taker = await fundedAccount(services, { USD: '100000', BTC: '10' }, 'taker');
  }, 30_000);

  afterAll(() => driver.close());

  const place = async (accountId: string, side: 'BUY' | 'SELL', price: string, quantity = '0.001') => {
    const placed = await services.orders.placeOrder(accountId, { market: 'BTC-USD', side, price, quantity });
    if (!placed.ok) throw new Error(JSON.stringify(placed.errors));
    return placed.value;
  };

  test('a crossing placement takes no account lock and no balance-row lock', async () => {
    await place(maker, 'SELL', '30000');
    const statements = await driver.statementsOf(() => place(taker, 'BUY', '30000'));
    const placement = statements.find((s) => s.includes('order_in AS'));
    expect(placement).toContain('fills_in AS');
    expect(placement).not.toContain('pg_advisory_xact_lock');
    expect(placement).not.toContain('FOR UPDATE');
  });

  test('placements, resting and crossing, run from generic plans only: no statement is planned again per run', async () => {
    for (let i = 0; i < 20; i += 1) {
      await place(maker, 'SELL', '30100');
      expect((await place(taker, 'BUY', '30100')).status).toBe('FILLED');
      await place(taker, 'BUY', '29000');
      await place(maker, 'SELL', '31000');
    }
    const plans = await driver.begin((tx) => tx.query<{ crossing: boolean; generic_plans: string | number; custom_plans: string | number }>(
      "SELECT statement LIKE '%fills_in AS%' AS crossing, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%order_in AS%'",
    ));
    expect(plans.map((p) => p.crossing).sort()).toEqual([false, true]);
    for (const p of plans) {
      expect(Number(p.custom_plans)).toBe(0);
      expect(Number(p.generic_plans)).toBeGreaterThanOrEqual(20);
    }
  });

  test('the books stay exact: balances equal the ledger, holds equal the open orders', async () => {
    expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
    const taken = await balancesOf(services, taker);
    expect(Number(taken.BTC.available)).toBeGreaterThan(10);
  });
});
