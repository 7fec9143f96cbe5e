import { MARKETS, type OrderBookReader } from '../../domain';
import type { SqlExecutor } from './sql-driver';
import { LIVE_STATUSES_SQL } from './sql-orders';
import { num } from './sql-rows';

/** Best bid and ask per market from resting orders: what the embedded price source mids. */
export function createSqlOrderBook(db: SqlExecutor): OrderBookReader {
  const markets = [...MARKETS.keys()];
  return {
    async bestQuotes() {
      // Each market's best of each side from the end of its live-order index (two index reads a
      // market): grouped over every live order instead, it read the whole book (43 ms at 50,000).
      const rows = await db.query<{ market: string; best_bid: string | null; best_ask: string | null }>(
        `SELECT m.market,
                (SELECT MAX(price) FROM orders WHERE market = m.market AND side = 'BUY' AND status IN ${LIVE_STATUSES_SQL}) AS best_bid,
                (SELECT MIN(price) FROM orders WHERE market = m.market AND side = 'SELL' AND status IN ${LIVE_STATUSES_SQL}) AS best_ask
         FROM unnest($1::text[]) AS m(market)`,
        [markets],
      );
      return rows.map((r) => ({ market: r.market, bestBid: r.best_bid === null ? null : num(r.best_bid), bestAsk: r.best_ask === null ? null : num(r.best_ask) }));
    },
  };
}
