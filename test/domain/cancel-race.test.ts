import { Dec, type DomainServices } from '../../src/domain';
import { openPostgresDatabase, type TestDatabase } from '../helpers/database';
import { balancesOf, fundedAccount, servicesFor } from '../helpers/domain';
import { CLEAN_RECONCILIATION } from '../helpers/ledger-checks';
import { describeWithPostgres } from '../helpers/services';

/**
 * A cancel racing a fill on PostgreSQL (concurrent transactions on a connection pool): the
 * owner cancels a resting ask while another account sends a BUY that would take all of it.
 * The market's lock serializes them, so exactly one wins each round: the cancel (the ask is
 * CANCELED unfilled and the buyer gets nothing from it) or the fill (the ask is FILLED and the
 * cancel answers ORDER_NOT_OPEN, or cancelAllOrders does not list it). Holds are right either way.
 */

const ROUNDS = 32;
const QUANTITY = '0.1';
const PRICE = '100';

describeWithPostgres('a cancel racing a fill', (url) => {
  let db: TestDatabase;
  let services: DomainServices;
  beforeAll(async () => { db = await openPostgresDatabase(url); services = servicesFor(db.driver); });
  afterAll(async () => db?.close());

  test(`exactly one of them wins, ${ROUNDS} rounds, cancelOrder and cancelAllOrders, either sent first`, async () => {
    const maker = await fundedAccount(services, { BTC: '10' }, 'race-maker');
    const taker = await fundedAccount(services, { USD: '10000' }, 'race-taker');
    let fills = 0;
    let cancels = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const ask = await services.orders.placeOrder(maker, { market: 'BTC-USD', side: 'SELL', type: 'LIMIT', price: PRICE, quantity: QUANTITY });
      if (!ask.ok) throw new Error(JSON.stringify(ask.errors));
      const byCancelAll = round % 2 === 1;
      const cancel = async (): Promise<'canceled' | 'not canceled'> => {
        if (byCancelAll) {
          const all = await services.orders.cancelAllOrders(maker, 'BTC-USD');
          if (!all.ok) throw new Error(JSON.stringify(all.errors));
          return all.value.some((o) => o.id === ask.value.id) ? 'canceled' : 'not canceled';
        }
        const one = await services.orders.cancelOrder(maker, ask.value.id);
        if (one.ok) return 'canceled';
        expect(one.errors.map((e) => e.code)).toEqual(['ORDER_NOT_OPEN']);
        return 'not canceled';
      };
      const take = () => services.orders.placeOrder(taker, { market: 'BTC-USD', side: 'BUY', type: 'LIMIT', price: PRICE, quantity: QUANTITY, timeInForce: 'IOC' });
      // Both start before either is awaited; which one is sent first alternates every two rounds.
      const cancelFirst = Math.floor(round / 2) % 2 === 0;
      const [canceled, bid] = cancelFirst ? await Promise.all([cancel(), take()]) : await Promise.all([take(), cancel()]).then(([b, c]) => [c, b] as const);
      if (!bid.ok) throw new Error(JSON.stringify(bid.errors));

      const after = await services.orders.findOrder(maker, ask.value.id);
      const outcome = { round, canceled, ask: [after!.status, after!.filledQuantity], bid: [bid.value.status, bid.value.filledQuantity] };
      if (canceled === 'canceled') {
        cancels += 1;
        expect(outcome).toEqual({ round, canceled, ask: ['CANCELED', '0'], bid: ['EXPIRED', '0'] });
      } else {
        fills += 1;
        expect(outcome).toEqual({ round, canceled, ask: ['FILLED', QUANTITY], bid: ['FILLED', QUANTITY] });
      }
      expect(after!.holdRemaining).toBe('0');

      // Nothing held; each side has exactly what the fills so far moved (0.1 at 100: 10 USD; fees 0.01 USD and 0.0002 BTC).
      const f = new Dec(fills);
      expect({ round, maker: await balancesOf(services, maker), taker: await balancesOf(services, taker) }).toMatchObject({
        round,
        maker: { BTC: { available: new Dec('10').minus(f.times(QUANTITY)).toFixed(), held: '0' }, USD: { available: f.times('9.99').toFixed(), held: '0' } },
        taker: { USD: { available: new Dec('10000').minus(f.times('10')).toFixed(), held: '0' }, BTC: { available: f.times('0.0998').toFixed(), held: '0' } },
      });
      expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
    }
    expect(await services.marketData.orderBook('BTC-USD', 10)).toMatchObject({ bids: [], asks: [] });
    // Each side won some rounds, or the race was not run.
    expect({ fills: fills > 0, cancels: cancels > 0 }).toEqual({ fills: true, cancels: true });
  }, 120_000);
});
