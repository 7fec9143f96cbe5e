/**
 * The ticker's volume is the last 24 hours' (the service's window over the repository's "since"):
 * a trade counts until 24 hours after it, and not after. Before, the window was tested only at
 * the repository, given its "since"; the service could have passed any instant (all-time volume)
 * with every test passing.
 */
import { fundedAccount, servicesFor } from '../helpers/domain';
import { openPgliteDatabase, type TestDatabase } from '../helpers/database';
import type { DomainServices } from '../../src/domain';

describe('ticker volume window (PGlite)', () => {
  let db: TestDatabase;
  let services: DomainServices;
  let now = new Date('2030-01-02T12:00:00Z');
  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver, { clock: () => now });
  });
  afterAll(async () => db?.close());

  test('a trade is in the 24 h volume until 24 hours after it, then out', async () => {
    const seller = await fundedAccount(services, { BTC: '1' }, 'ticker-seller');
    const buyer = await fundedAccount(services, { USD: '100000' }, 'ticker-buyer');
    expect((await services.orders.placeOrder(seller, { market: 'BTC-USD', side: 'SELL', price: '30000', quantity: '0.25' })).ok).toBe(true);
    expect((await services.orders.placeOrder(buyer, { market: 'BTC-USD', side: 'BUY', price: '30000', quantity: '0.25' })).ok).toBe(true);
    const traded = now;
    expect(await services.marketData.ticker('BTC-USD')).toMatchObject({ lastPrice: '30000', volume: '0.25' });
    now = new Date(traded.getTime() + 24 * 3_600_000 - 1_000);
    expect(await services.marketData.ticker('BTC-USD')).toMatchObject({ volume: '0.25' });
    now = new Date(traded.getTime() + 24 * 3_600_000 + 1_000);
    expect(await services.marketData.ticker('BTC-USD')).toMatchObject({ lastPrice: '30000', volume: '0' });
  });
});
