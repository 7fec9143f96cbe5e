import { netBalanceChanges, type Journal, type ReconciliationReport } from '../../domain';
import type { SqlExecutor } from './sql-driver';
import { LIVE_STATUSES_SQL } from './sql-orders';
import { num, toBalance } from './sql-rows';

/**
 * Records journals and applies them to balances in at most two statements, however many
 * journals: (1) the journals, their entries and, when more than one balance changes, a lock on
 * those balance rows taken in the domain's fixed order (no deadlocks); (2) one conditional update
 * of every changed balance, refused per row if it would take `available` or `held` below zero
 * (CHECK constraints back it). Returns false when a row refused: the caller must roll back.
 */
export async function postJournals(db: SqlExecutor, journals: readonly Journal[]): Promise<boolean> {
  if (journals.length === 0) return true;
  const changes = netBalanceChanges(journals);
  const entries = journals.flatMap((j) => j.postings.map((p) => ({ journalId: j.id, ...p })));
  const params: unknown[] = [
    journals.map((j) => j.id), journals.map((j) => j.kind), journals.map((j) => j.reference), journals.map((j) => j.createdAt.toISOString()),
    entries.map((e) => e.journalId), entries.map((e) => e.accountId), entries.map((e) => e.asset), entries.map((e) => e.bucket), entries.map((e) => e.amount),
    changes.map((c) => c.accountId), changes.map((c) => c.asset), changes.map((c) => c.available.toFixed()), changes.map((c) => c.held.toFixed()),
  ];
  const insert = `WITH j AS (INSERT INTO journals (id, kind, reference, created_at) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[])),
    e AS (INSERT INTO ledger_entries (journal_id, account_id, asset, bucket, amount) SELECT * FROM unnest($5::uuid[], $6::uuid[], $7::text[], $8::text[], $9::numeric[]))`;
  // The balance changes are the parameters from $n on.
  const update = (n: number) => `UPDATE balances b SET available = b.available + v.available, held = b.held + v.held
    FROM unnest($${n}::uuid[], $${n + 1}::text[], $${n + 2}::numeric[], $${n + 3}::numeric[]) AS v(account_id, asset, available, held)
    WHERE b.account_id = v.account_id AND b.asset = v.asset AND b.available + v.available >= 0 AND b.held + v.held >= 0 RETURNING 1 AS ok`;
  if (changes.length <= 1) {
    // One row: its update is its own lock; everything in one statement.
    const rows = await db.query(`${insert} ${update(10)}`, params);
    return rows.length === changes.length;
  }
  await db.query(
    `${insert} SELECT 1 FROM balances WHERE (account_id, asset) IN (SELECT * FROM unnest($10::uuid[], $11::text[]))
     ORDER BY account_id, asset COLLATE "C" FOR UPDATE`,
    params.slice(0, 11),
  );
  const rows = await db.query(update(1), params.slice(9));
  return rows.length === changes.length;
}

/** Locks balance rows in the fixed order (account, then asset) of postJournals' lock. */
export async function lockBalances(db: SqlExecutor, keys: ReadonlyArray<{ accountId: string; asset: string }>): Promise<void> {
  if (keys.length === 0) return;
  await db.query(
    `SELECT 1 FROM balances WHERE (account_id, asset) IN (SELECT * FROM unnest($1::uuid[], $2::text[]))
     ORDER BY account_id, asset COLLATE "C" FOR UPDATE`,
    [keys.map((k) => k.accountId), keys.map((k) => k.asset)],
  );
}

/** Compares balances with the ledger, every asset's total with zero, holds with live orders, and orders with their fills. */
export async function reconcileLedger(db: SqlExecutor): Promise<ReconciliationReport> {
  const balanceRows = await db.query(
    `WITH l AS (SELECT account_id, asset, bucket, SUM(amount) AS s FROM ledger_entries GROUP BY account_id, asset, bucket)
     SELECT b.account_id, b.asset, b.available, b.held, COALESCE(la.s, 0) AS la, COALESCE(lh.s, 0) AS lh
     FROM balances b
     LEFT JOIN l la ON la.account_id = b.account_id AND la.asset = b.asset AND la.bucket = 'available'
     LEFT JOIN l lh ON lh.account_id = b.account_id AND lh.asset = b.asset AND lh.bucket = 'held'
     WHERE b.available <> COALESCE(la.s, 0) OR b.held <> COALESCE(lh.s, 0)`,
  );
  const balanceMismatches = balanceRows.flatMap((r) => {
    const out: ReconciliationReport['balanceMismatches'][number][] = [];
    const base = { accountId: String(r.account_id), asset: toBalance(r).asset };
    if (num(r.available) !== num(r.la)) out.push({ ...base, bucket: 'available', stored: num(r.available), ledger: num(r.la) });
    if (num(r.held) !== num(r.lh)) out.push({ ...base, bucket: 'held', stored: num(r.held), ledger: num(r.lh) });
    return out;
  });
  const unbalanced = await db.query('SELECT asset, SUM(amount) AS s FROM ledger_entries GROUP BY asset HAVING SUM(amount) <> 0');
  const heldRows = await db.query(
    `SELECT b.account_id, b.asset, b.held, COALESCE(o.s, 0) AS s FROM balances b
     LEFT JOIN (SELECT account_id, hold_asset, SUM(hold_remaining) AS s FROM orders WHERE status IN ${LIVE_STATUSES_SQL} GROUP BY account_id, hold_asset) o
       ON o.account_id = b.account_id AND o.hold_asset = b.asset
     WHERE b.held <> COALESCE(o.s, 0)`,
  );
  const orderRows = await db.query<{ id: string; problem: string }>(
    `WITH f AS (SELECT order_id, SUM(quantity) AS q, SUM(price * quantity) AS c FROM fills GROUP BY order_id)
     SELECT o.id, CASE
         WHEN o.filled_quantity <> COALESCE(f.q, 0) THEN 'filledQuantity ' || o.filled_quantity || ' but its fills sum to ' || COALESCE(f.q, 0)
         WHEN o.filled_quote <> COALESCE(f.c, 0) THEN 'filledQuote ' || o.filled_quote || ' but its fills cost ' || COALESCE(f.c, 0)
         WHEN o.filled_quantity > o.quantity THEN 'filled more than its quantity'
         WHEN o.status = 'FILLED' AND o.filled_quantity <> o.quantity THEN 'FILLED with quantity left'
         WHEN o.status = 'OPEN' AND o.filled_quantity <> 0 THEN 'OPEN with fills'
         WHEN o.status = 'PARTIALLY_FILLED' AND (o.filled_quantity = 0 OR o.filled_quantity = o.quantity) THEN 'PARTIALLY_FILLED but not partly filled'
         WHEN o.status NOT IN ${LIVE_STATUSES_SQL} AND o.hold_remaining <> 0 THEN 'final but still holds ' || o.hold_remaining
       END AS problem
     FROM orders o LEFT JOIN f ON f.order_id = o.id
     WHERE o.filled_quantity <> COALESCE(f.q, 0) OR o.filled_quote <> COALESCE(f.c, 0) OR o.filled_quantity > o.quantity
        OR (o.status = 'FILLED' AND o.filled_quantity <> o.quantity) OR (o.status = 'OPEN' AND o.filled_quantity <> 0)
        OR (o.status = 'PARTIALLY_FILLED' AND (o.filled_quantity = 0 OR o.filled_quantity = o.quantity))
        OR (o.status NOT IN ${LIVE_STATUSES_SQL} AND o.hold_remaining <> 0)`,
  );
  const tradeRows = await db.query<{ trade_id: string }>(
    `SELECT trade_id FROM fills GROUP BY trade_id
     HAVING COUNT(*) <> 2 OR COUNT(DISTINCT side) <> 2 OR COUNT(DISTINCT liquidity) <> 2 OR COUNT(DISTINCT price) <> 1
        OR COUNT(DISTINCT quantity) <> 1 OR COUNT(DISTINCT quote_amount) <> 1 OR COUNT(DISTINCT account_id) <> 2`,
  );
  return {
    balanceMismatches,
    unbalancedAssets: unbalanced.map((r) => ({ asset: String(r.asset), sum: num(r.s) })),
    heldMismatches: heldRows.map((r) => ({ accountId: String(r.account_id), asset: toBalance(r).asset, held: num(r.held), openOrderHolds: num(r.s) })),
    orderMismatches: [
      ...orderRows.map((r) => ({ orderId: String(r.id), problem: r.problem })),
      ...tradeRows.map((r) => ({ orderId: String(r.trade_id), problem: 'trade whose two fills do not pair up (one MAKER and one TAKER, opposite sides and accounts, same price and quantity)' })),
    ],
  };
}
