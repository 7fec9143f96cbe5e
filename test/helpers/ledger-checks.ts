import type { SqlExecutor } from '../../src/stores/postgres';

/** What `reconcile()` reports for consistent books. */
export const CLEAN_RECONCILIATION = Object.freeze({ balanceMismatches: [], unbalancedAssets: [], heldMismatches: [], orderMismatches: [], feeMismatches: [], depositMismatches: [], volumeMismatches: [] });

/** Rows that record value, counted: a rejected request must leave every one unchanged. */
export interface BookCounts { readonly orders: number; readonly transfers: number; readonly journals: number; readonly ledgerEntries: number; readonly idempotencyRecords: number }

/** Counts orders, transfers, journals, ledger entries and idempotency records in the current schema. */
export async function bookCounts(db: SqlExecutor): Promise<BookCounts> {
  const [row] = await db.query<Record<keyof BookCounts, string>>(
    `SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM transfers) AS transfers,
            (SELECT count(*) FROM journals) AS journals, (SELECT count(*) FROM ledger_entries) AS "ledgerEntries",
            (SELECT count(*) FROM idempotency_records) AS "idempotencyRecords"`,
  );
  return {
    orders: Number(row.orders), transfers: Number(row.transfers), journals: Number(row.journals),
    ledgerEntries: Number(row.ledgerEntries), idempotencyRecords: Number(row.idempotencyRecords),
  };
}

/**
 * Orders whose money movements are not all there: no ORDER_HOLD journal for an order that held
 * funds, a live order already released, a CANCELED one without its ORDER_RELEASE, or more than one
 * of either. Empty for consistent books.
 */
export async function ordersWithoutTheirHolds(db: SqlExecutor): Promise<Array<{ id: string; status: string; holds: number; releases: number }>> {
  const rows = await db.query<{ id: string; status: string; held: boolean | string; holds: string; releases: string }>(
    `SELECT o.id::text AS id, o.status, o.hold_amount > 0 AS held,
            count(j.id) FILTER (WHERE j.kind = 'ORDER_HOLD') AS holds, count(j.id) FILTER (WHERE j.kind = 'ORDER_RELEASE') AS releases
       FROM orders o LEFT JOIN journals j ON j.reference = o.id::text
      GROUP BY o.id, o.status, o.hold_amount`,
  );
  // One hold when the order held anything; at most one release, and none while the order is live
  // (a final order's unused hold is released once; reconcile() checks the amounts).
  const live = new Set(['OPEN', 'PARTIALLY_FILLED']);
  return rows
    .map((r) => ({ id: r.id, status: r.status, held: r.held === true || String(r.held) === 'true', holds: Number(r.holds), releases: Number(r.releases) }))
    .filter((r) => r.holds !== (r.held ? 1 : 0) || r.releases > 1 || (live.has(r.status) && r.releases !== 0) || (r.status === 'CANCELED' && r.held && r.releases !== 1))
    .map(({ held: _held, ...rest }) => rest);
}

/** Journals of a hold, release or transfer whose order or transfer does not exist: money moved for nothing. */
export async function orphanJournals(db: SqlExecutor): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT j.id::text AS id FROM journals j
       LEFT JOIN orders o ON o.id::text = j.reference
       LEFT JOIN transfers t ON t.id::text = j.reference
      WHERE (j.kind IN ('ORDER_HOLD', 'ORDER_RELEASE') AND o.id IS NULL) OR (j.kind = 'TRANSFER' AND t.id IS NULL)`,
  );
  return rows.map((r) => r.id);
}
