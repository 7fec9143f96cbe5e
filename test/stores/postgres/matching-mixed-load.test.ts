import { Dec, MARKETS, UserErrorCode, type DomainResult, type DomainServices, type Order, type OrderStatusReason } from '../../../src/domain';
import { ceilQuote } from '../../../src/domain';
import { openPostgresDatabase, type TestDatabase } from '../../helpers/database';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { CLEAN_RECONCILIATION } from '../../helpers/ledger-checks';
import { describeWithPostgres } from '../../helpers/services';
import { toOrder } from '../../../src/stores/postgres/sql-rows';
import { seededRandom } from '../../helpers/seeded-random';

const ROUNDS = 12;
const OPERATIONS_PER_ROUND = 48;
/** The refusals a caller may get under this load; anything else (a deadlock, an invariant) fails the test. */
const USER_ERRORS_EXPECTED: ReadonlySet<string> = new Set([UserErrorCode.INSUFFICIENT_FUNDS, UserErrorCode.ORDER_NOT_OPEN]);


const REASONS_OF: Record<Order['status'], ReadonlyArray<OrderStatusReason | null>> = {
  OPEN: [null], PARTIALLY_FILLED: [null], FILLED: [null],
  CANCELED: ['CANCELED_BY_USER', 'SELF_TRADE_PREVENTION'],
  EXPIRED: ['IOC_REMAINDER', 'MARKET_REMAINDER'],
};

/** What is wrong with an order's state on its own (empty when consistent): status, reason, fill and hold agree. */
function orderProblems(o: Order): string[] {
  const problems: string[] = [];
  const filled = new Dec(o.filledQuantity);
  const live = o.status === 'OPEN' || o.status === 'PARTIALLY_FILLED';
  if (!REASONS_OF[o.status].includes(o.statusReason)) problems.push(`${o.status} with reason ${o.statusReason}`);
  if (filled.gt(o.quantity)) problems.push('filled more than its quantity');
  if (o.status === 'OPEN' && !filled.isZero()) problems.push('OPEN with fills');
  if (o.status === 'PARTIALLY_FILLED' && (filled.isZero() || filled.eq(o.quantity))) problems.push('PARTIALLY_FILLED but not partly filled');
  if (o.status === 'FILLED' && !filled.eq(o.quantity)) problems.push('FILLED with quantity left');
  // A live order still holds exactly what its unfilled part may cost; a final one holds nothing.
  const market = MARKETS.get(o.market)!;
  const spent = o.side === 'BUY' ? ceilQuote(market, new Dec(o.filledQuote)) : filled;
  const expectedHold = live ? new Dec(o.holdAmount).minus(spent) : new Dec(0);
  if (!expectedHold.eq(o.holdRemaining)) problems.push(`holds ${o.holdRemaining}, expected ${expectedHold.toFixed()}`);
  return problems.map((p) => `${o.id} (${o.type} ${o.timeInForce} ${o.side} ${o.status}): ${p}`);
}

describeWithPostgres('matching under mixed concurrent load on PostgreSQL', (url) => {
  let db: TestDatabase;
  let services: DomainServices;
  let accounts: string[];

  beforeAll(async () => {
    db = await openPostgresDatabase(url, { maxConnections: 8 });
    services = servicesFor(db.driver);
    accounts = [];
    for (let i = 0; i < 4; i += 1) accounts.push(await fundedAccount(services, { USD: '20000', BTC: '0.5', ETH: '8' }, `mixed${i}`));
  }, 30_000);

  afterAll(async () => db?.close());

  test(`${ROUNDS} rounds of ${OPERATIONS_PER_ROUND} concurrent placements (both markets), cancels, cancel-alls and transfers: no deadlock, no lost fill`, async () => {
    const next = seededRandom(16);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
    const placed: Order[] = [];
    /** The orders each successful cancel answered with, as it answered. */
    const canceled: Order[] = [];
    const failures: string[] = [];

    const placement = (account: string) => {
      const market = pick(['BTC-USD', 'ETH-USD']);
      const [mid, lot] = market === 'BTC-USD' ? [30_000, '0.001'] : [2_000, '0.01'];
      const side = pick(['BUY', 'SELL'] as const);
      // Prices straddle the mid, so about half the orders cross what rests on the other side.
      const price = new Dec(mid).plus(new Dec(Math.floor(next() * 21) - 10).times('0.5')).toFixed(2);
      const quantity = new Dec(lot).times(1 + Math.floor(next() * 5)).toFixed();
      const kind = next();
      const type = kind < 0.1 ? 'MARKET' as const : 'LIMIT' as const;
      const timeInForce = kind < 0.1 ? undefined : kind < 0.25 ? 'IOC' as const : 'GTC' as const;
      const selfTradePrevention = pick(['CANCEL_NEWEST', 'CANCEL_OLDEST', 'CANCEL_BOTH'] as const);
      return services.orders.placeOrder(account, { market, side, type, price: type === 'LIMIT' ? price : undefined, quantity, timeInForce, selfTradePrevention });
    };

    const operation = (): Promise<DomainResult<unknown>> => {
      const account = pick(accounts);
      const what = next();
      if (what < 0.6) return placement(account);
      if (what < 0.8) {
        const mine = placed.filter((o) => o.accountId === account);
        return mine.length > 0 ? services.orders.cancelOrder(account, pick(mine).id) : placement(account);
      }
      if (what < 0.88) return services.orders.cancelAllOrders(account, null);
      const to = pick(accounts.filter((a) => a !== account));
      const [asset, amount] = pick([['USD', '25.5'], ['BTC', '0.002'], ['ETH', '0.03']] as const);
      return services.transfers.createTransfer(account, { toAccountId: to, asset, amount });
    };

    for (let round = 0; round < ROUNDS; round += 1) {
      const results = await Promise.allSettled(Array.from({ length: OPERATIONS_PER_ROUND }, operation));
      for (const r of results) {
        if (r.status === 'rejected') {
          failures.push(`round ${round}: ${(r.reason as Error).message}`);
          continue;
        }
        if (!r.value.ok) {
          for (const e of r.value.errors) if (!USER_ERRORS_EXPECTED.has(e.code)) failures.push(`round ${round}: user error ${e.code}: ${e.message}`);
          continue;
        }
        const value = r.value.value as Order | Order[] | { amount: string };
        if (Array.isArray(value)) canceled.push(...value);
        else if ('status' in value && value.status === 'CANCELED' && value.statusReason === 'CANCELED_BY_USER') canceled.push(value);
        else if ('status' in value) placed.push(value);
      }
      // Between rounds (nothing in flight): each market's book is uncrossed.
      for (const market of MARKETS.keys()) {
        const book = (await services.marketData.orderBook(market, 1))!;
        if (book.bids.length > 0 && book.asks.length > 0 && !new Dec(book.bids[0].price).lt(book.asks[0].price)) failures.push(`round ${round}: ${market} crossed: ${JSON.stringify(book)}`);
      }
    }
    expect(failures).toEqual([]);

    const orders = (await db.driver.query('SELECT * FROM orders')).map(toOrder);
    const byId = new Map(orders.map((o) => [o.id, o]));
    expect(orders.flatMap(orderProblems)).toEqual([]);
    // A cancel that answered won: the order stayed canceled with what it had filled then (nothing filled after).
    expect(canceled.filter((c) => {
      const now = byId.get(c.id)!;
      return now.status !== 'CANCELED' || now.statusReason !== 'CANCELED_BY_USER' || now.filledQuantity !== c.filledQuantity;
    })).toEqual([]);
    // The load did what it is meant to: trades in both markets, and every kind of outcome.
    const [fills] = await db.driver.query<{ btc: string; eth: string }>(
      "SELECT count(*) FILTER (WHERE market = 'BTC-USD') AS btc, count(*) FILTER (WHERE market = 'ETH-USD') AS eth FROM fills",
    );
    expect(Number(fills.btc)).toBeGreaterThan(20);
    expect(Number(fills.eth)).toBeGreaterThan(20);
    expect(new Set(orders.map((o) => o.status))).toEqual(new Set(['OPEN', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'EXPIRED']));
    expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  }, 60_000);
});
