import { openPgliteDatabase, type TestDatabase } from '../helpers/database';
import { balancesOf, fundedAccount, servicesFor } from '../helpers/domain';
import { CLEAN_RECONCILIATION } from '../helpers/ledger-checks';
import type { DomainServices } from '../../src/domain';

let db: TestDatabase;
let services: DomainServices;
beforeAll(async () => { db = await openPgliteDatabase(); services = servicesFor(db.driver); });
afterAll(async () => db.close());

test('a crossing pair trades at the maker price', async () => {
  const seller = await fundedAccount(services, { BTC: '1' });
  const buyer = await fundedAccount(services, { USD: '100000' });
  const sell = await services.orders.placeOrder(seller, { market: 'BTC-USD', side: 'SELL', type: 'LIMIT', price: '29000', quantity: '0.5' });
  expect(sell.ok).toBe(true);
  const buy = await services.orders.placeOrder(buyer, { market: 'BTC-USD', side: 'BUY', type: 'LIMIT', price: '30000', quantity: '0.8' });
  if (!buy.ok) throw new Error(JSON.stringify(buy.errors));
  console.log(buy.value, await balancesOf(services, buyer), await balancesOf(services, seller));
  const fills = await services.orders.listOrderFills(buy.value, { limit: 10 });
  console.log(fills.items);
  console.log(await services.marketData.orderBook('BTC-USD', 10), await services.marketData.ticker('BTC-USD'));
  const m = await services.orders.placeOrder(seller, { market: 'BTC-USD', side: 'SELL', type: 'MARKET', quantity: '0.5' });
  console.log(m);
  expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  const c = await services.orders.cancelAllOrders(buyer, null);
  console.log(c);
  expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
});
