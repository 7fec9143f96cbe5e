import { ASSETS, EXTERNAL_ACCOUNT_ID, FEE_ACCOUNT_ID, MARKETS, SYSTEM_ACCOUNT_IDS, netBalanceChanges, type AssetCode, type BalanceChange, type Journal, type ReconciliationReport } from '../../domain';
import type { SqlExecutor } from './sql-driver';
import { LIVE_STATUSES_SQL } from './sql-orders';
import { num } from './sql-rows';

/** A statement's parameters: `add` appends a value and returns its placeholder (`$n`, with an optional cast). */
export interface SqlParams {
  readonly values: unknown[];
  add(value: unknown, cast?: string): string;
}

export function sqlParams(): SqlParams {
  const values: unknown[] = [];
  return { values, add: (value, cast = '') => `$${values.push(value)}${cast}` };
}

/**
 * The CTEs that record journals and their entries (`journals_in`, `entries_in`), written only
 * when `gate` (a SQL condition) holds.
 */
export function journalInserts(params: SqlParams, journals: readonly Journal[], gate = 'TRUE'): string[] {
  const entries = journals.flatMap((j) => j.postings.map((p) => ({ journalId: j.id, ...p })));
  return [
    `journals_in AS (INSERT INTO journals (id, kind, reference, created_at)
       SELECT * FROM unnest(${params.add(journals.map((j) => j.id), '::uuid[]')}, ${params.add(journals.map((j) => j.kind), '::text[]')},
         ${params.add(journals.map((j) => j.reference), '::text[]')}, ${params.add(journals.map((j) => j.createdAt.toISOString()), '::timestamptz[]')}) WHERE ${gate})`,
    `entries_in AS (INSERT INTO ledger_entries (journal_id, account_id, asset, bucket, amount)
       SELECT * FROM unnest(${params.add(entries.map((e) => e.journalId), '::uuid[]')}, ${params.add(entries.map((e) => e.accountId), '::uuid[]')},
         ${params.add(entries.map((e) => e.asset), '::text[]')}, ${params.add(entries.map((e) => e.bucket), '::text[]')}, ${params.add(entries.map((e) => e.amount), '::numeric[]')}) WHERE ${gate})`,
  ];
}

/**
 * The CTEs that apply journals to balances (`balances_out`, RETURNING each row it changed), only
 * when `gate` holds. Every changed row is locked first, in the domain's fixed order (account, then
 * asset), by a `FOR UPDATE` CTE that the update reads as a one-time condition, so it runs to the
 * end before the first row changes and concurrent batches never deadlock; one row needs no lock
 * of its own. Each row is refused (left out of `balances_out`) when the journals, applied one
 * after another, would take `available` or `held` below zero at any point (netBalanceChanges'
 * lowest running change); CHECK constraints back it.
 */
export function balanceUpdates(params: SqlParams, journals: readonly Journal[], gate = 'TRUE'): { ctes: string[]; changes: readonly BalanceChange[] } {
  const changes = netBalanceChanges(journals);
  const accounts = params.add(changes.map((c) => c.accountId), '::uuid[]');
  const assets = params.add(changes.map((c) => c.asset), '::text[]');
  const ctes: string[] = [];
  let locked = '';
  if (changes.length > 1) {
    ctes.push(`balances_locked AS (SELECT 1 FROM balances WHERE (account_id, asset) IN (SELECT * FROM unnest(${accounts}, ${assets})) AND ${gate}
       ORDER BY account_id, asset COLLATE "C" FOR UPDATE)`);
    locked = ' AND (SELECT count(*) FROM balances_locked) > 0';
  }
  ctes.push(`balances_out AS (UPDATE balances b SET available = b.available + v.available, held = b.held + v.held
     FROM unnest(${accounts}, ${assets}, ${params.add(changes.map((c) => c.available.toFixed()), '::numeric[]')}, ${params.add(changes.map((c) => c.held.toFixed()), '::numeric[]')},
       ${params.add(changes.map((c) => c.lowestAvailable.toFixed()), '::numeric[]')}, ${params.add(changes.map((c) => c.lowestHeld.toFixed()), '::numeric[]')})
       AS v(account_id, asset, available, held, lowest_available, lowest_held)
     WHERE b.account_id = v.account_id AND b.asset = v.asset AND b.available + v.lowest_available >= 0 AND b.held + v.lowest_held >= 0
       AND ${gate}${locked}
     RETURNING b.account_id, b.asset)`);
  return { ctes, changes };
}

/**
 * Records journals and applies them to balances in one statement, however many journals (see
 * journalInserts and balanceUpdates). Returns false when a row refused: the caller must roll back.
 */
export async function postJournals(db: SqlExecutor, journals: readonly Journal[]): Promise<boolean> {
  if (journals.length === 0) return true;
  const params = sqlParams();
  const balances = balanceUpdates(params, journals);
  const rows = await db.query<{ applied: string | number }>(
    `WITH ${[...journalInserts(params, journals), ...balances.ctes].join(',\n')} SELECT count(*) AS applied FROM balances_out`,
    params.values, { prepared: true },
  );
  return Number(rows[0].applied) === balances.changes.length;
}

/**
 * The system accounts, whose balances are their ledger sums (keepsBalanceRows): the fee account's
 * balance rows from migration 3 are no longer written (an instance of the previous version, during
 * a rolling upgrade, still writes them), so they are not compared.
 */
const SYSTEM_ACCOUNTS_SQL = `(${SYSTEM_ACCOUNT_IDS.map((id) => `'${id}'`).join(', ')})`;

/**
 * Deposit records that disagree with their journal: not a DEPOSIT journal, or entries other than
 * exactly the record's amount from the external account's available balance to the record's
 * account's, in its asset. (DEPOSIT journals without a record are older than records.)
 */
async function depositMismatches(db: SqlExecutor): Promise<Array<{ journalId: string; problem: string }>> {
  const rows = await db.query<{ journal_id: string; problem: string }>(
    `SELECT d.journal_id, CASE
         WHEN j.kind IS DISTINCT FROM 'DEPOSIT' THEN 'recorded as a deposit of ' || d.amount || ' ' || d.asset || ', but its journal is ' || COALESCE(j.kind, 'missing')
         ELSE 'recorded as ' || d.amount || ' ' || d.asset || ' to ' || d.account_id || ', but its journal''s entries do not move exactly that from the external account'
       END AS problem
     FROM deposits d LEFT JOIN journals j ON j.id = d.journal_id LEFT JOIN ledger_entries e ON e.journal_id = d.journal_id
     GROUP BY d.journal_id, d.account_id, d.asset, d.amount, j.kind
     HAVING j.kind IS DISTINCT FROM 'DEPOSIT' OR count(e.id) <> 2
       OR count(*) FILTER (WHERE e.account_id = d.account_id AND e.asset = d.asset AND e.bucket = 'available' AND e.amount = d.amount) <> 1
       OR count(*) FILTER (WHERE e.account_id = $1 AND e.asset = d.asset AND e.bucket = 'available' AND e.amount = -d.amount) <> 1`,
    [EXTERNAL_ACCOUNT_ID],
  );
  return rows.map((r) => ({ journalId: String(r.journal_id), problem: r.problem }));
}

/** Compares balances with the ledger, every asset's total with zero, holds with live orders, orders with their fills, and deposit records with their journals. */
export async function reconcileLedger(db: SqlExecutor): Promise<ReconciliationReport> {
  const balanceRows = await db.query(
    `WITH l AS (SELECT account_id, asset, bucket, SUM(amount) AS s FROM ledger_entries GROUP BY account_id, asset, bucket)
     SELECT b.account_id, b.asset, b.available, b.held, COALESCE(la.s, 0) AS la, COALESCE(lh.s, 0) AS lh
     FROM balances b
     LEFT JOIN l la ON la.account_id = b.account_id AND la.asset = b.asset AND la.bucket = 'available'
     LEFT JOIN l lh ON lh.account_id = b.account_id AND lh.asset = b.asset AND lh.bucket = 'held'
     WHERE b.account_id NOT IN ${SYSTEM_ACCOUNTS_SQL} AND (b.available <> COALESCE(la.s, 0) OR b.held <> COALESCE(lh.s, 0))`,
  );
  const balanceMismatches = balanceRows.flatMap((r) => {
    const out: ReconciliationReport['balanceMismatches'][number][] = [];
    const base = { accountId: String(r.account_id), asset: String(r.asset) as AssetCode };
    if (num(r.available) !== num(r.la)) out.push({ ...base, bucket: 'available', stored: num(r.available), ledger: num(r.la) });
    if (num(r.held) !== num(r.lh)) out.push({ ...base, bucket: 'held', stored: num(r.held), ledger: num(r.lh) });
    return out;
  });
  const unbalanced = await db.query('SELECT asset, SUM(amount) AS s FROM ledger_entries GROUP BY asset HAVING SUM(amount) <> 0');
  const heldRows = await db.query(
    `SELECT b.account_id, b.asset, b.held, COALESCE(o.s, 0) AS s FROM balances b
     LEFT JOIN (SELECT account_id, hold_asset, SUM(hold_remaining) AS s FROM orders WHERE status IN ${LIVE_STATUSES_SQL} GROUP BY account_id, hold_asset) o
       ON o.account_id = b.account_id AND o.hold_asset = b.asset
     WHERE b.account_id NOT IN ${SYSTEM_ACCOUNTS_SQL} AND b.held <> COALESCE(o.s, 0)`,
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
  const fillRows = await db.query<{ order_id: string; problem: string }>(
    `SELECT o.id AS order_id, CASE
         WHEN f.account_id <> o.account_id THEN 'fill ' || f.id || ' is booked to account ' || f.account_id || ', its order to ' || o.account_id
         WHEN f.side <> o.side THEN 'fill ' || f.id || ' is a ' || f.side || ' of a ' || o.side || ' order'
         WHEN f.market <> o.market THEN 'fill ' || f.id || ' is in ' || f.market || ', its order in ' || o.market
         WHEN f.liquidity = 'MAKER' AND f.price IS DISTINCT FROM o.price THEN 'maker fill ' || f.id || ' at ' || f.price || ', not its order''s price ' || COALESCE(o.price::text, 'none')
         WHEN o.side = 'BUY' AND f.price > o.price THEN 'fill ' || f.id || ' at ' || f.price || ', above its BUY limit ' || o.price
         WHEN o.side = 'SELL' AND f.price < o.price THEN 'fill ' || f.id || ' at ' || f.price || ', below its SELL limit ' || o.price
       END AS problem
     FROM fills f JOIN orders o ON o.id = f.order_id
     WHERE f.account_id <> o.account_id OR f.side <> o.side OR f.market <> o.market OR (f.liquidity = 'MAKER' AND f.price IS DISTINCT FROM o.price)
        OR (o.side = 'BUY' AND f.price > o.price) OR (o.side = 'SELL' AND f.price < o.price)`,
  );
  // What a live order of a listed market has left must stay covered by what it holds, in the asset it
  // holds: a SELL its unfilled quantity of the base asset exactly; a BUY what the rest would cost at
  // its limit, as the ledger rounds (each trade moves the buyer's cumulative cost rounded up to the
  // quote asset's unit). Placement refuses any other market; rows written by hand are not judged.
  const markets = [...MARKETS.values()];
  const holdRows = await db.query<{ id: string; problem: string }>(
    `WITH m AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS m(market, base, quote, quote_decimals)),
     live AS (SELECT o.*, m.base, m.quote, power(10::numeric, m.quote_decimals) AS unit FROM orders o JOIN m ON m.market = o.market WHERE o.status IN ${LIVE_STATUSES_SQL})
     SELECT id, CASE
         WHEN price IS NULL THEN 'live without a price'
         WHEN hold_asset <> CASE side WHEN 'SELL' THEN base ELSE quote END THEN 'holds ' || hold_asset || ' for a ' || side || ' in ' || market
         WHEN side = 'SELL' THEN 'holds ' || hold_remaining || ' ' || hold_asset || ' for ' || (quantity - filled_quantity) || ' left to sell'
         ELSE 'holds ' || hold_remaining || ' ' || hold_asset || ', less than the ' || (ceil((filled_quote + price * (quantity - filled_quantity)) * unit) / unit - ceil(filled_quote * unit) / unit) || ' the rest costs at its limit'
       END AS problem
     FROM live
     WHERE price IS NULL OR hold_asset <> CASE side WHEN 'SELL' THEN base ELSE quote END
        OR (side = 'SELL' AND hold_remaining <> quantity - filled_quantity)
        OR (side = 'BUY' AND hold_remaining < ceil((filled_quote + price * (quantity - filled_quantity)) * unit) / unit - ceil(filled_quote * unit) / unit)`,
    [markets.map((m) => m.symbol), markets.map((m) => m.baseAsset), markets.map((m) => m.quoteAsset), markets.map((m) => ASSETS[m.quoteAsset].decimals)],
  );
  const crossedRows = await db.query<{ id: string; market: string; bid: string; ask: string }>(
    `WITH best AS (SELECT market, max(price) FILTER (WHERE side = 'BUY') AS bid, min(price) FILTER (WHERE side = 'SELL') AS ask
                   FROM orders WHERE status IN ${LIVE_STATUSES_SQL} GROUP BY market)
     SELECT (SELECT id FROM orders o WHERE o.market = best.market AND o.side = 'BUY' AND o.status IN ${LIVE_STATUSES_SQL} AND o.price = best.bid ORDER BY seq LIMIT 1) AS id,
       market, bid, ask
     FROM best WHERE bid >= ask`,
  );
  const feeRows = await db.query<{ asset: string; fills: string; ledger: string; held: string }>(
    `WITH f AS (SELECT fee_asset AS asset, SUM(fee) AS s FROM fills GROUP BY fee_asset),
     l AS (SELECT asset, COALESCE(SUM(amount) FILTER (WHERE bucket = 'available'), 0) AS s, COALESCE(SUM(amount) FILTER (WHERE bucket = 'held'), 0) AS held
           FROM ledger_entries WHERE account_id = $1 GROUP BY asset)
     SELECT COALESCE(f.asset, l.asset) AS asset, COALESCE(f.s, 0) AS fills, COALESCE(l.s, 0) AS ledger, COALESCE(l.held, 0) AS held
     FROM f FULL JOIN l ON l.asset = f.asset
     WHERE COALESCE(f.s, 0) <> COALESCE(l.s, 0) OR COALESCE(l.held, 0) <> 0`,
    [FEE_ACCOUNT_ID],
  );
  const tradeRows = await db.query<{ trade_id: string }>(
    `SELECT trade_id FROM fills GROUP BY trade_id
     HAVING COUNT(*) <> 2 OR COUNT(DISTINCT side) <> 2 OR COUNT(DISTINCT liquidity) <> 2 OR COUNT(DISTINCT price) <> 1
        OR COUNT(DISTINCT quantity) <> 1 OR COUNT(DISTINCT quote_amount) <> 1 OR COUNT(DISTINCT account_id) <> 2`,
  );
  return {
    balanceMismatches,
    unbalancedAssets: unbalanced.map((r) => ({ asset: String(r.asset), sum: num(r.s) })),
    heldMismatches: heldRows.map((r) => ({ accountId: String(r.account_id), asset: String(r.asset) as AssetCode, held: num(r.held), openOrderHolds: num(r.s) })),
    orderMismatches: [
      ...orderRows.map((r) => ({ orderId: String(r.id), problem: r.problem })),
      ...tradeRows.map((r) => ({ orderId: String(r.trade_id), problem: 'trade whose two fills do not pair up (one MAKER and one TAKER, opposite sides and accounts, same price and quantity)' })),
      ...fillRows.map((r) => ({ orderId: String(r.order_id), problem: r.problem })),
      ...holdRows.map((r) => ({ orderId: String(r.id), problem: r.problem })),
      ...crossedRows.map((r) => ({ orderId: String(r.id), problem: `the ${r.market} book is crossed: best bid ${num(r.bid)} at or above best ask ${num(r.ask)}` })),
    ],
    feeMismatches: feeRows.map((r) => ({ asset: String(r.asset), fills: num(r.fills), ledger: num(r.ledger), held: num(r.held) })),
    depositMismatches: await depositMismatches(db),
    volumeMismatches: await volumeMismatches(db),
  };
}

/**
 * Each market's minute totals (market_volume_minutes, the ticker's volume) against its trades: the
 * taker fills of that minute, for every minute the totals are kept for (market_volume_since on).
 */
async function volumeMismatches(db: SqlExecutor): Promise<ReconciliationReport['volumeMismatches']> {
  const rows = await db.query<{ market: string; minute: Date | string; fill_volume: string; fill_trades: string; recorded_volume: string; recorded_trades: string }>(
    `WITH since AS (SELECT COALESCE(MIN(since), '-infinity') AS at FROM market_volume_since),
     f AS (SELECT market, date_trunc('minute', created_at, 'UTC') AS minute, SUM(quantity) AS volume, COUNT(*) AS trades
           FROM fills WHERE liquidity = 'TAKER' AND created_at >= (SELECT at FROM since) GROUP BY 1, 2),
     t AS (SELECT * FROM market_volume_minutes WHERE minute >= (SELECT at FROM since))
     SELECT COALESCE(f.market, t.market) AS market, COALESCE(f.minute, t.minute) AS minute,
       COALESCE(f.volume, 0) AS fill_volume, COALESCE(f.trades, 0) AS fill_trades, COALESCE(t.base_volume, 0) AS recorded_volume, COALESCE(t.trades, 0) AS recorded_trades
     FROM f FULL JOIN t ON t.market = f.market AND t.minute = f.minute
     WHERE COALESCE(f.volume, 0) <> COALESCE(t.base_volume, 0) OR COALESCE(f.trades, 0) <> COALESCE(t.trades, 0)
     ORDER BY 1, 2`,
  );
  return rows.map((r) => ({
    market: String(r.market), minute: new Date(r.minute).toISOString(),
    fillVolume: num(r.fill_volume), fillTrades: Number(r.fill_trades), recordedVolume: num(r.recorded_volume), recordedTrades: Number(r.recorded_trades),
  }));
}
