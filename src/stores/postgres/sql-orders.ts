import { HISTORY_SCAN_ROWS, LIVE_ORDER_STATUSES, type OrderStatus, type TradingRepository } from '../../domain';
import type { SqlExecutor } from './sql-driver';
import { isUuid, num, toFill, toOrder, type Row } from './sql-rows';
import { historyScanPage } from './history-scan';

/**
 * Orders, the book, fills and market data in SQL. Every query over live orders names the statuses
 * as literals, so the planner uses the partial indexes over live orders (migration 3): filled and
 * canceled history never slows the book, matching or open-order listings.
 */

/** The live statuses as a SQL list literal. */
export const LIVE_STATUSES_SQL = `(${LIVE_ORDER_STATUSES.map((s) => `'${s}'`).join(', ')})`;

export const ORDER_COLUMNS = `id, seq, account_id, market, side, type, price, quantity, quote_quantity, time_in_force, post_only, self_trade_prevention,
  client_order_id, status, status_reason, filled_quantity, filled_quote, hold_asset, hold_amount, hold_remaining, api_key_id, canceled_by_api_key_id,
  created_at, updated_at`;
const FILL_COLUMNS = 'id, seq, trade_id, order_id, account_id, market, side, price, quantity, quote_amount, fee, fee_asset, liquidity, created_at';
const STATUSES: readonly OrderStatus[] = ['OPEN', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'EXPIRED'];

/**
 * A market's lock: a transaction-scoped advisory lock (key space 1397311310, then the market's
 * hash), which PostgreSQL grants to its waiters in the order they asked. The market's book row
 * alone is not a fair lock: a waiter that finds the row updated when it wakes starts over behind
 * newcomers (`INSERT … ON CONFLICT DO UPDATE` and `FOR UPDATE` both do), so under load a few
 * placements waited many times longer than the rest. Markets whose hashes collide only wait for
 * each other. The book row's sequence is bumped after, under the lock.
 */
const MARKET_LOCK_SQL = (market: string) => `pg_advisory_xact_lock(1397311310, hashtext(${market}))`;
const BUMP_SEQUENCE_SQL = 'ON CONFLICT (market) DO UPDATE SET sequence = market_books.sequence + 1';

function page<T>(rows: Row[], limit: number, map: (r: Row) => T) {
  return { items: rows.slice(0, limit).map(map), hasNextPage: rows.length > limit };
}

/** The order, book, fill and market-data methods of the SQL trading repository (`historyScanRows`: see HISTORY_SCAN_ROWS). */
export function createSqlOrderMethods(db: SqlExecutor, options: { historyScanRows?: number } = {}): Pick<TradingRepository,
  'lockMarket' | 'lockMarketOfOrder' | 'liveOrderMarkets' | 'readBook' | 'findOrder' | 'findOrdersOfAccount' | 'findOrderByClientOrderId'
  | 'cancelLiveOrders' | 'listOrders' | 'listFills' | 'listFillsOfOrders' | 'orderBook' | 'ticker'> {
  const scanRows = options.historyScanRows ?? HISTORY_SCAN_ROWS;
  return {
    async lockMarket(market) {
      const rows = await db.query<{ sequence: string | number }>(
        `WITH locked AS (SELECT ${MARKET_LOCK_SQL('$1')})
         INSERT INTO market_books (market, sequence) SELECT $1, 1 FROM locked ${BUMP_SEQUENCE_SQL} RETURNING sequence`,
        [market], { prepared: true },
      );
      return Number(rows[0].sequence);
    },

    async lockMarketOfOrder(orderId, accountId) {
      if (!isUuid(orderId)) return null;
      // An ended order's market is neither locked nor bumped: a cancel of one cannot change the
      // book, and every market's placements wait for that lock (diff review: per-key exit limits
      // let one account send many such cancels). `bumped` runs whether or not it is read.
      const rows = await db.query<{ market: string; live: boolean }>(
        `WITH o AS (SELECT market, status IN ${LIVE_STATUSES_SQL} AS live FROM orders WHERE id = $1 AND account_id = $2),
              locked AS (SELECT market, ${MARKET_LOCK_SQL('market')} FROM o WHERE live),
              bumped AS (INSERT INTO market_books (market, sequence) SELECT market, 1 FROM locked ${BUMP_SEQUENCE_SQL} RETURNING market)
         SELECT market, live FROM o`,
        [orderId, accountId],
      );
      return rows[0] ? { market: rows[0].market, live: rows[0].live === true } : null;
    },

    async liveOrderMarkets(accountId, placedByApiKeyId) {
      if (!isUuid(accountId)) return [];
      const rows = await db.query<{ market: string }>(
        `SELECT DISTINCT market FROM orders WHERE account_id = $1 AND status IN ${LIVE_STATUSES_SQL} AND ($2::text IS NULL OR api_key_id = $2)`,
        [accountId, placedByApiKeyId ?? null],
      );
      return rows.map((r) => r.market);
    },

    async readBook({ market, side, limitPrice, after, limit }) {
      // Asks: lowest price first; bids: highest first; then oldest first. Each side has its own
      // partial index. The text has a condition only for what is given (no `$n IS NULL OR …`), so
      // its plan is the same for every value and the statement is prepared once per connection.
      const [order, within, beyond] = side === 'SELL' ? ['price, seq', '<=', '>'] : ['price DESC, seq', '>=', '<'];
      const params: unknown[] = [market, limit];
      const conditions: string[] = [];
      if (limitPrice !== null) conditions.push(`price ${within} $${params.push(limitPrice.toFixed())}::numeric`);
      if (after !== null) {
        const price = `$${params.push(after.price.toFixed())}::numeric`;
        conditions.push(`price ${beyond}= ${price} AND (price ${beyond} ${price} OR seq > $${params.push(after.seq)}::bigint)`);
      }
      const rows = await db.query(
        `SELECT id, account_id, price, quantity - filled_quantity AS remaining, seq, filled_quantity, filled_quote, hold_remaining
         FROM orders WHERE market = $1 AND side = '${side}' AND status IN ${LIVE_STATUSES_SQL}${conditions.map((c) => ` AND ${c}`).join('')}
         ORDER BY ${order} LIMIT $2`,
        params, { prepared: true },
      );
      return rows.map((r) => ({
        id: String(r.id), accountId: String(r.account_id), price: num(r.price), remaining: num(r.remaining), seq: Number(r.seq),
        filledQuantity: num(r.filled_quantity), filledQuote: num(r.filled_quote), holdRemaining: num(r.hold_remaining),
      }));
    },

    async findOrder(id) {
      if (!isUuid(id)) return null;
      const rows = await db.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`, [id]);
      return rows[0] ? toOrder(rows[0]) : null;
    },

    async findOrdersOfAccount(accountId, ids) {
      const uuids = ids.filter(isUuid);
      if (!isUuid(accountId) || uuids.length === 0) return [];
      const rows = await db.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = ANY($1::uuid[]) AND account_id = $2`, [uuids, accountId]);
      return rows.map(toOrder);
    },

    async findOrderByClientOrderId(accountId, clientOrderId) {
      if (!isUuid(accountId)) return null;
      const rows = await db.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE account_id = $1 AND client_order_id = $2`, [accountId, clientOrderId]);
      return rows[0] ? toOrder(rows[0]) : null;
    },

    async cancelLiveOrders({ accountId, orderId, markets, placedByApiKeyId, reason, apiKeyId, at }) {
      if (orderId !== undefined && !isUuid(orderId)) return [];
      const rows = await db.query(
        `UPDATE orders o SET status = 'CANCELED', status_reason = $4, hold_remaining = 0, updated_at = $5, canceled_by_api_key_id = $6
         FROM (SELECT id, hold_remaining FROM orders WHERE account_id = $1 AND status IN ${LIVE_STATUSES_SQL}
                 AND ($2::uuid IS NULL OR id = $2::uuid) AND ($3::text[] IS NULL OR market = ANY($3::text[]))
                 AND ($7::text IS NULL OR api_key_id = $7)) AS old
         WHERE o.id = old.id RETURNING ${ORDER_COLUMNS.split(',').map((c) => `o.${c.trim()}`).join(', ')}, old.hold_remaining AS released`,
        [accountId, orderId ?? null, markets ?? null, reason, at, apiKeyId, placedByApiKeyId ?? null],
      );
      return rows.map((r) => ({ order: toOrder(r), released: num(r.released) }));
    },

    async listOrders(accountId, q) {
      // Literal statuses: a live or OPEN listing is answered from the live-order index alone.
      const statuses = q.live ? LIVE_ORDER_STATUSES.filter((s) => q.status === undefined || s === q.status) : q.status !== undefined ? [q.status] : null;
      if (statuses !== null && statuses.length === 0) return { items: [], hasNextPage: false };
      if (statuses?.some((s) => !STATUSES.includes(s))) throw new Error('unknown order status');
      const statusFilter = statuses === null ? '' : `AND status IN (${statuses.map((s) => `'${s}'`).join(', ')})`;
      // Live orders (an account has a bounded number) come from their own index, filters and all.
      if (statuses !== null && statuses.every((s) => LIVE_ORDER_STATUSES.includes(s))) {
        const rows = await db.query(
          `SELECT ${ORDER_COLUMNS} FROM orders WHERE account_id = $1 ${statusFilter} AND ($2::text IS NULL OR market = $2) AND ($3::bigint IS NULL OR seq < $3)
             AND ($5::text IS NULL OR api_key_id = $5 OR canceled_by_api_key_id = $5) ORDER BY seq DESC LIMIT $4`,
          [accountId, q.market ?? null, q.beforeSeq ?? null, q.limit + 1, q.byApiKeyId ?? null],
        );
        return page(rows, q.limit, toOrder);
      }
      // No filter: the newest from the cursor, a range of the account's index.
      if (statuses === null && q.market === undefined && q.byApiKeyId === undefined) {
        const rows = await db.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE account_id = $1 AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3`, [accountId, q.beforeSeq ?? null, q.limit + 1]);
        return page(rows, q.limit, toOrder);
      }
      // A filter over the whole history: a bounded read per page (history-scan.ts).
      return historyScanPage(db, {
        columns: ORDER_COLUMNS, range: 'orders WHERE account_id = $1 AND ($2::bigint IS NULL OR seq < $2)', rangeParams: [accountId, q.beforeSeq ?? null],
        filter: `TRUE ${statusFilter} AND ($3::text IS NULL OR market = $3) AND ($4::text IS NULL OR api_key_id = $4 OR canceled_by_api_key_id = $4)`,
        filterParams: [q.market ?? null, q.byApiKeyId ?? null], limit: q.limit, budget: scanRows, map: toOrder,
      });
    },

    async listFills(q) {
      if ('accountId' in q && q.market !== undefined) {
        // One market among the account's fills: a bounded read per page (history-scan.ts).
        return historyScanPage(db, {
          columns: FILL_COLUMNS, range: 'fills WHERE account_id = $1 AND ($2::bigint IS NULL OR seq < $2)', rangeParams: [q.accountId, q.beforeSeq ?? null],
          filter: 'market = $3', filterParams: [q.market], limit: q.limit, budget: scanRows, map: toFill,
        });
      }
      if (!('accountId' in q) && !('orderId' in q)) {
        // A market's public trades, from the market's own index (migration 12 dropped the index of
        // every market's fills in sequence, which the planner walked for a market that trades less
        // than others). The cursor is in the statement only when there is one, so it bounds the
        // index scan instead of filtering it.
        const rows = await db.query(
          `SELECT ${FILL_COLUMNS} FROM fills WHERE market = $1 AND liquidity = 'TAKER' ${q.beforeSeq === undefined ? 'AND $2::bigint IS NULL' : 'AND seq < $2'}
           ORDER BY seq DESC LIMIT $3`,
          [q.market, q.beforeSeq ?? null, q.limit + 1],
        );
        return page(rows, q.limit, toFill);
      }
      const [where, param] = 'accountId' in q
        ? ['account_id = $1 AND ($2::text IS NULL OR market = $2)', [q.accountId, q.market ?? null]]
        : ['order_id = $1 AND ($2::text IS NULL OR liquidity = $2)', [q.orderId, q.liquidity ?? null]];
      const rows = await db.query(
        `SELECT ${FILL_COLUMNS} FROM fills WHERE ${where} AND ($3::bigint IS NULL OR seq < $3) ORDER BY seq DESC LIMIT $4`,
        [...param, q.beforeSeq ?? null, q.limit + 1],
      );
      return page(rows, q.limit, toFill);
    },

    async listFillsOfOrders(orderIds, q) {
      // Each order once: a repeated id would fetch its page again and merge both under one key.
      const ids = [...new Set(orderIds.filter(isUuid))];
      if (ids.length === 0) return orderIds.map(() => ({ items: [], hasNextPage: false }));
      // One statement for many orders: each order's page from its own index range (fills_order_seq).
      const rows = await db.query(
        `SELECT ${FILL_COLUMNS.split(', ').map((c) => `f.${c}`).join(', ')} FROM unnest($1::uuid[]) AS o(id)
         CROSS JOIN LATERAL (SELECT ${FILL_COLUMNS} FROM fills WHERE order_id = o.id AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3) AS f
         ORDER BY f.order_id, f.seq DESC`,
        [ids, q.beforeSeq ?? null, q.limit + 1],
      );
      const byOrder = new Map<string, Row[]>();
      for (const row of rows) byOrder.set(String(row.order_id), [...(byOrder.get(String(row.order_id)) ?? []), row]);
      return orderIds.map((id) => page(byOrder.get(id) ?? [], q.limit, toFill));
    },

    async orderBook(market, depth) {
      // One statement, so one snapshot: the book's sequence, the market's last trade and both sides.
      // A market's trades commit in the order of their sequence (under its lock), so every trade up to
      // last_trade is in the levels read here and none after it.
      const rows = await db.query<{ side: string; price: string | null; quantity: string | null; order_count: string | number; last_trade: string | number | null }>(
        `(SELECT 'SEQ' AS side, NULL::numeric AS price, NULL::numeric AS quantity, COALESCE((SELECT sequence FROM market_books WHERE market = $1), 0) AS order_count,
                 (SELECT seq FROM fills WHERE market = $1 AND liquidity = 'TAKER' ORDER BY seq DESC LIMIT 1) AS last_trade)
         UNION ALL
         (SELECT 'BUY', price, SUM(quantity - filled_quantity), COUNT(*), NULL FROM orders WHERE market = $1 AND side = 'BUY' AND status IN ${LIVE_STATUSES_SQL}
          GROUP BY price ORDER BY price DESC LIMIT $2)
         UNION ALL
         (SELECT 'SELL', price, SUM(quantity - filled_quantity), COUNT(*), NULL FROM orders WHERE market = $1 AND side = 'SELL' AND status IN ${LIVE_STATUSES_SQL}
          GROUP BY price ORDER BY price LIMIT $2)`,
        [market, depth],
      );
      const level = (r: (typeof rows)[number]) => ({ price: num(r.price), quantity: num(r.quantity), orderCount: Number(r.order_count) });
      const head = rows.find((r) => r.side === 'SEQ');
      return {
        sequence: Number(head?.order_count ?? 0),
        lastTradeSequence: head?.last_trade == null ? null : Number(head.last_trade),
        bids: rows.filter((r) => r.side === 'BUY').map(level),
        asks: rows.filter((r) => r.side === 'SELL').map(level),
      };
    },

    async ticker(market, since) {
      // The volume: the whole minutes after the one holding `since` from their totals
      // (market_volume_minutes, at most 1,440 rows), and that minute's trades from `since` on from
      // the fills (one minute of them): exact, and bounded whatever the market trades in a day.
      const rows = await db.query<{ last_price: string | null; best_bid: string | null; best_ask: string | null; volume: string }>(
        `SELECT (SELECT price FROM fills WHERE market = $1 AND liquidity = 'TAKER' ORDER BY seq DESC LIMIT 1) AS last_price,
                (SELECT MAX(price) FROM orders WHERE market = $1 AND side = 'BUY' AND status IN ${LIVE_STATUSES_SQL}) AS best_bid,
                (SELECT MIN(price) FROM orders WHERE market = $1 AND side = 'SELL' AND status IN ${LIVE_STATUSES_SQL}) AS best_ask,
                (SELECT COALESCE(SUM(base_volume), 0) FROM market_volume_minutes WHERE market = $1 AND minute > date_trunc('minute', $2::timestamptz, 'UTC'))
                + (SELECT COALESCE(SUM(quantity), 0) FROM fills WHERE market = $1 AND liquidity = 'TAKER' AND created_at >= $2
                   AND created_at < date_trunc('minute', $2::timestamptz, 'UTC') + interval '1 minute') AS volume`,
        [market, since],
      );
      const r = rows[0];
      const orNull = (v: string | null) => (v === null ? null : num(v));
      return { lastPrice: orNull(r.last_price), bestBid: orNull(r.best_bid), bestAsk: orNull(r.best_ask), volume: num(r.volume) };
    },
  };
}
