import type { OrderBookReader } from '../../domain';
import type { SqlExecutor } from './sql-driver';
import { LIVE_STATUSES_SQL } from './sql-orders';
import { num } from './sql-rows';

/** Best bid and ask per market from resting orders: what the embedded price source mids. */
export function createSqlOrderBook(db: SqlExecutor): OrderBookReader {
  return {
    async bestQuotes() {
      const rows = await db.query<{ market: string; best_bid: string | null; best_ask: string | null }>(
        `SELECT market,
                MAX(price) FILTER (WHERE side = 'BUY') AS best_bid,
                MIN(price) FILTER (WHERE side = 'SELL') AS best_ask
         FROM orders WHERE status IN ${LIVE_STATUSES_SQL} GROUP BY market`,
      );
      return rows.map((r) => ({ market: r.market, bestBid: r.best_bid === null ? null : num(r.best_bid), bestAsk: r.best_ask === null ? null : num(r.best_ask) }));
    },
  };
}
