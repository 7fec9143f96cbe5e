import { MARKETS } from './assets';
import type { BookLevel, Clock, OrderBookSnapshot, PageQuery, TickerSnapshot, UnitOfWork } from './ports';
import type { Fill, Page } from './types';

/** Public market data: the aggregated book, the trades and the ticker of a market. */
export interface MarketDataService {
  /** Up to `depth` price levels per side, best first, with the book's sequence; null for an unknown market. */
  orderBook(market: string, depth: number): Promise<OrderBookSnapshot | null>;
  /** Public trades, newest first (the taker's fill of each trade); null for an unknown market. */
  trades(market: string, query: PageQuery): Promise<Page<Fill> | null>;
  /** Last price, best bid and ask, and the base volume of the last 24 hours; null for an unknown market. */
  ticker(market: string): Promise<TickerSnapshot | null>;
}

/** The window of the ticker's volume. */
export const TICKER_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Creates the market data service (reads only; no lock, one snapshot per call). */
export function createMarketDataService(deps: { uow: UnitOfWork; clock: Clock }): MarketDataService {
  const { uow, clock } = deps;
  return {
    async orderBook(market, depth) {
      return MARKETS.has(market) ? uow.repo.orderBook(market, depth) : null;
    },
    async trades(market, query) {
      return MARKETS.has(market) ? uow.repo.listFills({ ...query, market, liquidity: 'TAKER' }) : null;
    },
    async ticker(market) {
      return MARKETS.has(market) ? uow.repo.ticker(market, new Date(clock().getTime() - TICKER_WINDOW_MS)) : null;
    },
  };
}

export type { BookLevel, OrderBookSnapshot, TickerSnapshot };
