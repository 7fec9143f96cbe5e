/**
 * Bulk seeding in SQL for the matching benches: resting orders with their holds (a crossing flow's
 * makers), and order history (filled and canceled orders). A few statements however many rows
 * (INSERT … SELECT generate_series): a million rows take seconds, not the hours a million
 * placements would. What it writes keeps `reconcile()` clean.
 */
import { randomBytes } from 'node:crypto';
import { Dec, MARKETS, ceilQuote } from '../src/domain';
import type { SqlDriver, SqlExecutor } from '../src/stores/postgres';

/**
 * Runs `work` in one transaction with no statement timeout (a million-row insert takes longer than
 * a request may), its statements marked `unbounded` so the driver waits for their answers too.
 */
export function bulk(driver: SqlDriver, work: (tx: SqlExecutor) => Promise<void>): Promise<void> {
  return driver.begin(async (tx) => {
    const unbounded: SqlExecutor = { query: (text, params, options) => tx.query(text, params, { ...options, unbounded: true }) };
    await unbounded.query('SET LOCAL statement_timeout = 0');
    await work(unbounded);
  });
}

/** `<8 random hex>-<kind>-4000-8000-` + 12 hex digits of a row number is a valid v4 UUID per row. */
function idPrefix(kind: string): string {
  return `${randomBytes(4).toString('hex')}-${kind}-4000-8000-`;
}

/** The row number `k` (a SQL expression) as a UUID under `prefix`. */
const uuidOf = (prefix: string, k: string) => `('${prefix}' || lpad(to_hex(${k}), 12, '0'))::uuid`;

/**
 * Rests `count` LIMIT GTC orders of `quantity` at `price` for `accountId`, each with its hold
 * journal (available → held, as a placement posts it), and moves the holds in the balance. The
 * account must have the funds: the balance's CHECK constraint refuses otherwise.
 */
export function seedRestingOrders(driver: SqlDriver, args: {
  accountId: string; market: string; side: 'BUY' | 'SELL'; price: string; quantity: string; count: number;
}): Promise<void> {
  const market = MARKETS.get(args.market);
  if (!market) throw new Error(`unknown market ${args.market}`);
  const holdAsset = args.side === 'BUY' ? market.quoteAsset : market.baseAsset;
  const hold: Dec = args.side === 'BUY' ? ceilQuote(market, new Dec(args.price).times(args.quantity)) : new Dec(args.quantity);
  const orders = idPrefix('0001');
  const journals = idPrefix('0002');
  return bulk(driver, async (db) => {
    await db.query(
      `INSERT INTO orders (id, account_id, market, side, type, price, quantity, status, filled_quantity, filled_quote, hold_asset, hold_amount, hold_remaining, created_at, updated_at)
       SELECT ${uuidOf(orders, 'k')}, $1, $2, $3, 'LIMIT', $4::numeric, $5::numeric, 'OPEN', 0, 0, $6, $7::numeric, $7::numeric, now(), now()
       FROM generate_series(1, $8::int) AS k ORDER BY k`,
      [args.accountId, args.market, args.side, args.price, args.quantity, holdAsset, hold.toFixed(), args.count],
    );
    await db.query(
      `INSERT INTO journals (id, kind, reference, created_at)
       SELECT ${uuidOf(journals, 'k')}, 'ORDER_HOLD', ${uuidOf(orders, 'k')}::text, now() FROM generate_series(1, $1::int) AS k`,
      [args.count],
    );
    await db.query(
      `INSERT INTO ledger_entries (journal_id, account_id, asset, bucket, amount)
       SELECT ${uuidOf(journals, 'k')}, $1, $2, b.bucket, b.sign * $3::numeric
       FROM generate_series(1, $4::int) AS k, (VALUES ('available', -1), ('held', 1)) AS b(bucket, sign)`,
      [args.accountId, holdAsset, hold.toFixed(), args.count],
    );
    await db.query(
      'UPDATE balances SET available = available - $3::numeric, held = held + $3::numeric WHERE account_id = $1 AND asset = $2',
      [args.accountId, holdAsset, hold.times(args.count).toFixed()],
    );
  });
}

/** Price of history row `k`: 29,000.00 to 30,999.00 USD, so history sits on both sides of a book around 30,000. */
const HISTORY_PRICE = '(29000 + (k / 4) % 2000)::numeric';
/** Quantity of every historical order, BTC. */
const HISTORY_QUANTITY = '0.001';

/**
 * Writes `count` final orders of `market` (BTC-USD unless said): every other one CANCELED by its owner (`holderId`, BUY and SELL
 * in turn, nothing filled), the rest FILLED in pairs, a BUY of `holderId` (taker) against a SELL of
 * `counterpartyId` (maker), each pair with its two fill rows. So `holderId` owns three quarters of
 * the history. Prices spread over 29,000-30,999 (both sides of a book at 30,000). History is
 * shape, not money: no journals (a final order holds nothing, and reconcile checks fills against
 * orders, not against the ledger). The trades' volume goes into the market's minute totals by the
 * trigger on fills, as a placement's does (the ticker reads those).
 */
export function seedOrderHistory(driver: SqlDriver, args: { holderId: string; counterpartyId: string; count: number; market?: string }): Promise<void> {
  const market = MARKETS.get(args.market ?? 'BTC-USD');
  if (!market) throw new Error(`unknown market ${args.market}`);
  const orders = idPrefix('0003');
  const trades = idPrefix('0004');
  const fills = idPrefix('0005');
  return bulk(driver, async (db) => {
    await db.query(
      `INSERT INTO orders (id, account_id, market, side, type, price, quantity, status, status_reason, filled_quantity, filled_quote,
         hold_asset, hold_amount, hold_remaining, created_at, updated_at)
       SELECT ${uuidOf(orders, 'k')}, CASE WHEN k % 4 = 3 THEN $2::uuid ELSE $1::uuid END, $4, o.side, 'LIMIT', ${HISTORY_PRICE}, ${HISTORY_QUANTITY},
         CASE WHEN k % 2 = 0 THEN 'CANCELED' ELSE 'FILLED' END, CASE WHEN k % 2 = 0 THEN 'CANCELED_BY_USER' END,
         CASE WHEN k % 2 = 0 THEN 0 ELSE ${HISTORY_QUANTITY} END, CASE WHEN k % 2 = 0 THEN 0 ELSE ${HISTORY_PRICE} * ${HISTORY_QUANTITY} END,
         CASE o.side WHEN 'BUY' THEN $5 ELSE $6 END,
         CASE o.side WHEN 'BUY' THEN ceil(${HISTORY_PRICE} * ${HISTORY_QUANTITY} * 100) / 100 ELSE ${HISTORY_QUANTITY} END, 0,
         now() - (($3::int - k) * interval '1 second'), now() - (($3::int - k) * interval '1 second')
       FROM generate_series(1, $3::int) AS k, LATERAL (SELECT CASE WHEN k % 4 IN (0, 1) THEN 'BUY' ELSE 'SELL' END AS side) AS o
       ORDER BY k`,
      [args.holderId, args.counterpartyId, args.count, market.symbol, market.quoteAsset, market.baseAsset],
    );
    // Trade t pairs order 4t+1 (holder BUY, taker) with 4t+3 (counterparty SELL, maker): maker row first.
    await db.query(
      `INSERT INTO fills (id, trade_id, order_id, account_id, market, side, price, quantity, quote_amount, fee, fee_asset, liquidity, created_at)
       SELECT ${uuidOf(fills, '2 * (k / 4) + f.n')}, ${uuidOf(trades, 'k / 4')}, ${uuidOf(orders, 'k + f.delta')}, f.account_id::uuid, $4, f.side,
         ${HISTORY_PRICE}, ${HISTORY_QUANTITY}, ceil(${HISTORY_PRICE} * ${HISTORY_QUANTITY} * 100) / 100, 0, f.fee_asset, f.liquidity, now() - (($3::int - k) * interval '1 second')
       FROM generate_series(1, $3::int - 2, 4) AS k,
         (VALUES (0, 2, $2, 'SELL', $5, 'MAKER'), (1, 0, $1, 'BUY', $6, 'TAKER')) AS f(n, delta, account_id, side, fee_asset, liquidity)
       ORDER BY k, f.n`,
      [args.holderId, args.counterpartyId, args.count, market.symbol, market.quoteAsset, market.baseAsset],
    );
  });
}

/** Refreshes the planner's statistics of the order tables, as autovacuum would after a bulk load. */
export function analyzeOrderTables(driver: SqlDriver): Promise<void> {
  return bulk(driver, async (db) => {
    await db.query('ANALYZE orders');
    await db.query('ANALYZE fills');
  });
}
