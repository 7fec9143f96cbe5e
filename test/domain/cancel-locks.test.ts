/**
 * A cancel that cannot change a book takes no market lock (every placement in that market waits
 * for it). Diff review (medium): with the exits' field limits per API key, one account's keys may
 * send 30 times as many cancels as before; cancelAllOrders over every market took every market's
 * lock, and cancelOrder of an ended order its market's, each time, whatever they found.
 */
import type { DomainServices } from '../../src/domain';
import { MARKETS } from '../../src/domain';
import { openPgliteDatabase, type TestDatabase } from '../helpers/database';
import { fundedAccount, servicesFor } from '../helpers/domain';

let db: TestDatabase;
let services: DomainServices;
beforeAll(async () => {
  db = await openPgliteDatabase();
  services = servicesFor(db.driver);
}, 60_000);
afterAll(async () => db?.close());

/** Each market's book sequence: every lock of a market advances it. */
const sequences = async () => Object.fromEntries(await Promise.all([...MARKETS.keys()].map(async (m) => [m, (await services.marketData.orderBook(m, 1))?.sequence] as const)));

test('cancelAllOrders locks only the markets where it has live orders to cancel; with none, no market', async () => {
  const account = await fundedAccount(services, { USD: '100000' }, 'cancel-locks');
  const before = await sequences();
  const none = await services.orders.cancelAllOrders(account, null);
  expect(none).toEqual({ ok: true, value: [] });
  expect(await sequences()).toEqual(before);

  const placed = await services.orders.placeOrder(account, { market: 'BTC-USD', side: 'BUY', type: 'LIMIT', price: '10', quantity: '0.01' });
  if (!placed.ok) throw new Error(JSON.stringify(placed.errors));
  const afterPlacing = await sequences();
  const all = await services.orders.cancelAllOrders(account, null);
  expect(all.ok && all.value.map((o) => [o.id, o.status])).toEqual([[placed.value.id, 'CANCELED']]);
  expect(await sequences()).toEqual({ ...afterPlacing, 'BTC-USD': afterPlacing['BTC-USD']! + 1 });

  // The order has ended: cancelling it again says so, and locks nothing.
  const again = await services.orders.cancelOrder(account, placed.value.id);
  expect(again.ok ? null : again.errors.map((e) => e.code)).toEqual(['ORDER_NOT_OPEN']);
  expect(await sequences()).toEqual({ ...afterPlacing, 'BTC-USD': afterPlacing['BTC-USD']! + 1 });
});
