import type { PlacementRecord, TradingRepository } from '../../domain';
import type { SqlExecutor } from './sql-driver';
import { accountLocks } from './sql-account-locks';
import { balanceUpdates, journalInserts, sqlParams } from './sql-ledger';
import { LIVE_STATUSES_SQL, ORDER_COLUMNS } from './sql-orders';
import { toOrder } from './sql-rows';

/**
 * A whole placement in one statement (the caller holds the market lock and has read the book):
 * the new order, the resting orders it traded with or canceled, the fills and the journals (hold,
 * trades, releases) with their balance changes. The order's insert waits on the locks of every
 * account it numbers rows for (the taker's and the makers': sql-account-locks.ts), everything else
 * waits on the order's insert, so a clientOrderId already used writes nothing at all; the balance
 * rows are locked in the fixed order after it (see balanceUpdates).
 */
export async function recordPlacement(db: SqlExecutor, placement: PlacementRecord): ReturnType<TradingRepository['recordPlacement']> {
  const { order: o, makerUpdates: updates, fills, journals } = placement;
  const params = sqlParams();
  const placed = 'EXISTS (SELECT 1 FROM order_in)';
  // The order's and the fills' accounts are locked before the order and the fills are numbered (sql-account-locks.ts).
  const locks = accountLocks(params, [o.accountId, ...fills.map((f) => f.accountId)]);
  const value = (v: unknown, cast: string) => params.add(v, cast);
  // An order that rests only within its account's open-order limit in the market: counted here,
  // under the market lock every placement and cancel of the market holds (taken by an earlier
  // statement, so this statement's snapshot has every order of the market that committed).
  // Counted once (a CTE), read by the insert and by the answer. The account's own orders this
  // placement ends (self-trade prevention's CANCEL_OLDEST / CANCEL_BOTH) are not counted: they
  // will not be open once it commits.
  const limit = placement.openOrderLimit;
  const ended = updates.filter((u) => u.status !== 'OPEN' && u.status !== 'PARTIALLY_FILLED').map((u) => u.id);
  const withinLimit = limit === null ? 'TRUE' : '(SELECT within FROM open_orders)';
  const ctes = [
    locks.cte,
    ...(limit === null ? [] : [`open_orders AS (SELECT count(*) < ${value(limit, '::int')} AS within FROM (SELECT 1 FROM orders
       WHERE account_id = ${value(o.accountId, '::uuid')} AND market = ${value(o.market, '::text')} AND status IN ${LIVE_STATUSES_SQL}
         AND id <> ALL (${value(ended, '::uuid[]')})
       LIMIT ${value(limit, '::int')}) AS live)`]),
    `order_in AS (INSERT INTO orders (id, account_id, market, side, type, price, quantity, quote_quantity, time_in_force, post_only, self_trade_prevention,
       client_order_id, status, status_reason, filled_quantity, filled_quote, hold_asset, hold_amount, hold_remaining, api_key_id, canceled_by_api_key_id,
       created_at, updated_at)
     SELECT ${[value(o.id, '::uuid'), value(o.accountId, '::uuid'), value(o.market, '::text'), value(o.side, '::text'), value(o.type, '::text'),
      value(o.price, '::numeric'), value(o.quantity, '::numeric'), value(o.quoteQuantity, '::numeric'), value(o.timeInForce, '::text'),
      value(o.postOnly, '::boolean'), value(o.selfTradePrevention, '::text'), value(o.clientOrderId, '::text'), value(o.status, '::text'),
      value(o.statusReason, '::text'), value(o.filledQuantity, '::numeric'), value(o.filledQuote, '::numeric'), value(o.holdAsset, '::text'),
      value(o.holdAmount, '::numeric'), value(o.holdRemaining, '::numeric'), value(o.apiKeyId, '::text'), value(o.canceledByApiKeyId, '::text'),
      value(o.createdAt, '::timestamptz'), value(o.updatedAt, '::timestamptz')].join(', ')}
     WHERE ${locks.gate} AND ${withinLimit}
     ON CONFLICT (account_id, client_order_id) DO NOTHING RETURNING ${ORDER_COLUMNS})`,
  ];
  if (updates.length > 0) {
    ctes.push(`makers_out AS (UPDATE orders o SET status = v.status, status_reason = v.status_reason, filled_quantity = v.filled_quantity,
       filled_quote = v.filled_quote, hold_remaining = v.hold_remaining, canceled_by_api_key_id = v.canceled_by_api_key_id, updated_at = ${params.add(o.createdAt)}
     FROM unnest(${params.add(updates.map((u) => u.id), '::uuid[]')}, ${params.add(updates.map((u) => u.status), '::text[]')},
       ${params.add(updates.map((u) => u.statusReason), '::text[]')}, ${params.add(updates.map((u) => u.filledQuantity), '::numeric[]')},
       ${params.add(updates.map((u) => u.filledQuote), '::numeric[]')}, ${params.add(updates.map((u) => u.holdRemaining), '::numeric[]')},
       ${params.add(updates.map((u) => u.canceledByApiKeyId), '::text[]')})
       AS v(id, status, status_reason, filled_quantity, filled_quote, hold_remaining, canceled_by_api_key_id)
     WHERE o.id = v.id AND ${placed})`);
  }
  if (fills.length > 0) {
    const column = (pick: (f: (typeof fills)[number]) => unknown, cast: string) => params.add(fills.map(pick), cast);
    // Ordered by position, so each fill's seq follows the order of the trades.
    ctes.push(`fills_in AS (INSERT INTO fills (id, trade_id, order_id, account_id, market, side, price, quantity, quote_amount, fee, fee_asset, liquidity, created_at)
     SELECT id, trade_id, order_id, account_id, market, side, price, quantity, quote_amount, fee, fee_asset, liquidity, created_at
     FROM unnest(${column((f) => f.id, '::uuid[]')}, ${column((f) => f.tradeId, '::uuid[]')}, ${column((f) => f.orderId, '::uuid[]')},
       ${column((f) => f.accountId, '::uuid[]')}, ${column((f) => f.market, '::text[]')}, ${column((f) => f.side, '::text[]')},
       ${column((f) => f.price, '::numeric[]')}, ${column((f) => f.quantity, '::numeric[]')}, ${column((f) => f.quoteAmount, '::numeric[]')},
       ${column((f) => f.fee, '::numeric[]')}, ${column((f) => f.feeAsset, '::text[]')}, ${column((f) => f.liquidity, '::text[]')},
       ${column((f) => f.createdAt.toISOString(), '::timestamptz[]')})
       WITH ORDINALITY AS f(id, trade_id, order_id, account_id, market, side, price, quantity, quote_amount, fee, fee_asset, liquidity, created_at, n)
     WHERE ${placed} ORDER BY n)`);
    // The trades' volume goes into their market's minute totals by the trigger on fills (migration 11).
  }
  let changed: ReadonlyArray<{ accountId: string; asset: string }> = [];
  let applied = 'ARRAY[]::text[]';
  if (journals.length > 0) {
    const balances = balanceUpdates(params, journals, placed);
    ctes.push(...journalInserts(params, journals, placed), ...balances.ctes);
    changed = balances.changes;
    applied = `ARRAY(SELECT account_id::text || '/' || asset FROM balances_out)`;
  }
  const rows = await db.query(
    `WITH ${ctes.join(',\n')}
     SELECT ${ORDER_COLUMNS}, ${applied} AS applied_balances, ${withinLimit} AS within_limit FROM (VALUES (1)) AS one LEFT JOIN order_in ON TRUE`,
    // A few texts (with or without trades, releases, makers' updates) whose plans depend on no value.
    params.values, { prepared: true },
  );
  const row = rows[0];
  // Nothing inserted: its clientOrderId was used (told first: a retry learns its order exists), or the limit was reached.
  if (row.id == null) return row.within_limit === false && !(await clientOrderIdUsed(db, o)) ? 'tooManyOpenOrders' : 'duplicate';
  const appliedKeys = new Set(row.applied_balances as string[]);
  return { order: toOrder(row), refused: changed.filter((c) => !appliedKeys.has(`${c.accountId}/${c.asset}`)) };
}

/** Whether the order's account already has an order with its clientOrderId (only asked after a refused insert). */
async function clientOrderIdUsed(db: SqlExecutor, o: PlacementRecord['order']): Promise<boolean> {
  if (o.clientOrderId === null) return false;
  const rows = await db.query('SELECT 1 FROM orders WHERE account_id = $1 AND client_order_id = $2', [o.accountId, o.clientOrderId]);
  return rows.length > 0;
}
