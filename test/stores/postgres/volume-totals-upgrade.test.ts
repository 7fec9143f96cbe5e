/**
 * Upgrading a database with trades to the minute volume totals (migrations 11 and 12): the
 * ticker's volume is right at once, older history is left alone (not scanned under the lock that
 * holds trading), and every trade after it is counted, whoever writes it (diff review: the first
 * version wrote the totals in this release's placement only, so a previous release's process still
 * serving during a rolling upgrade wrote trades the totals never counted).
 */
import { createPgliteDriver, migrate, type SqlDriver } from '../../../src/stores/postgres';
import { MIGRATIONS } from '../../../src/stores/postgres/migrations';
import type { DomainServices } from '../../../src/domain';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { CLEAN_RECONCILIATION } from '../../helpers/ledger-checks';

const HOUR = 3_600_000;

/** A trade of `quantity` BTC at 30,000 between two new accounts. */
async function trade(services: DomainServices, quantity: string): Promise<void> {
  const seller = await fundedAccount(services, { BTC: '1' }, 'seller');
  const buyer = await fundedAccount(services, { USD: '100000' }, 'buyer');
  for (const [account, side] of [[seller, 'SELL'], [buyer, 'BUY']] as const) {
    const placed = await services.orders.placeOrder(account, { market: 'BTC-USD', side, price: '30000', quantity });
    if (!placed.ok) throw new Error(JSON.stringify(placed.errors));
  }
}

test('a database with trades, upgraded: the ticker counts the last 24 hours, reconcile is clean, and later trades are counted', async () => {
  const driver: SqlDriver = await createPgliteDriver();
  try {
    await migrate(driver, { migrations: MIGRATIONS.filter((m) => m.version <= 10) });
    const now = Date.now();
    // Trades of the previous release: one 30 hours old (outside the ticker's window and the totals'), one just now.
    await trade(servicesFor(driver, { clock: () => new Date(now - 30 * HOUR) }), '0.5');
    await trade(servicesFor(driver), '0.25');

    expect(await migrate(driver)).toBe(MIGRATIONS.length - 10);
    const services = servicesFor(driver);
    expect((await services.marketData.ticker('BTC-USD'))?.volume).toBe('0.25');
    const kept = await driver.query<{ since: Date; minutes: string }>('SELECT (SELECT since FROM market_volume_since) AS since, (SELECT count(*) FROM market_volume_minutes) AS minutes');
    expect(Number(kept[0].minutes)).toBe(1);
    expect(new Date(kept[0].since).getTime()).toBeGreaterThan(now - 25 * HOUR - 60_000);
    expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);

    // After the upgrade: a trade of this release, and fills written by a plain INSERT (a previous release's placement, a bulk load).
    await trade(services, '0.125');
    await driver.query(
      `INSERT INTO fills (id, trade_id, order_id, account_id, market, side, price, quantity, quote_amount, fee, fee_asset, liquidity, created_at)
       SELECT gen_random_uuid(), gen_random_uuid(), order_id, account_id, market, side, price, quantity, quote_amount, fee, fee_asset, liquidity, created_at
       FROM fills WHERE quantity = 0.125 AND liquidity = 'TAKER'`,
    );
    expect((await services.marketData.ticker('BTC-USD'))?.volume).toBe('0.5');
    // The hand-written fill pairs with no maker, which reconcile says; the totals agree with the fills.
    expect((await services.uow.repo.reconcile()).volumeMismatches).toEqual([]);
  } finally {
    await driver.close();
  }
}, 60_000);
