import { ASSET_CODES, MARKETS, type AssetCode } from './assets';
import { Dec } from './decimal';

/** USD prices of assets at one moment. */
export interface PriceQuote {
  /** USD per one unit of each priced asset (USD itself is 1). */
  readonly usd: ReadonlyMap<AssetCode, Dec>;
  /** When the prices were observed. */
  readonly asOf: Date;
}

/** Where valuations get prices. Adapters: the HTTP price feed, and the embedded order-book source. */
export interface PriceSource {
  /** Current prices; rejects with PriceUnavailableError when none can be given in time. */
  current(): Promise<PriceQuote>;
}

/** Prices cannot be had now (feed down, slow, breaker open): valuations are null, balances unaffected. */
export class PriceUnavailableError extends Error {
  constructor(readonly reason: 'timeout' | 'unreachable' | 'circuit_open' | 'bad_response' | 'no_price') {
    super(`prices unavailable: ${reason}`);
  }
}

/** Best resting prices per market, read from open orders. */
export interface OrderBookReader {
  bestQuotes(): Promise<Array<{ market: string; bestBid: string | null; bestAsk: string | null }>>;
}

/** The configured fallback table of USD prices, e.g. { BTC: '30000', ETH: '2000' }. */
export type PriceTable = Readonly<Partial<Record<AssetCode, string>>>;

/** Default table for the embedded source when the book has no two-sided market. */
export const DEFAULT_PRICE_TABLE: PriceTable = Object.freeze({ BTC: '30000', ETH: '2000' });

/**
 * The embedded default: the mid of the best bid and best ask of each market's resting
 * orders; a market without both sides uses the configured table. Never fails for lack of a
 * feed, only when an asset has no price at all.
 */
export function createBookPriceSource(deps: { book: OrderBookReader; table?: PriceTable; clock?: () => Date }): PriceSource {
  const table = deps.table ?? DEFAULT_PRICE_TABLE;
  return {
    async current() {
      const usd = new Map<AssetCode, Dec>([['USD', new Dec(1)]]);
      for (const [asset, price] of Object.entries(table)) if (price) usd.set(asset as AssetCode, new Dec(price));
      for (const quote of await deps.book.bestQuotes()) {
        const market = MARKETS.get(quote.market);
        if (!market || market.quoteAsset !== 'USD' || quote.bestBid === null || quote.bestAsk === null) continue;
        usd.set(market.baseAsset, new Dec(quote.bestBid).plus(quote.bestAsk).div(2));
      }
      if (ASSET_CODES.some((a) => !usd.has(a))) throw new PriceUnavailableError('no_price');
      return { usd, asOf: (deps.clock ?? (() => new Date()))() };
    },
  };
}

/** USD value of `amount` of `asset`, rounded to cents. */
export function valueInUsd(quote: PriceQuote, asset: AssetCode, amount: string): string {
  const price = quote.usd.get(asset);
  if (!price) throw new PriceUnavailableError('no_price');
  return new Dec(amount).times(price).toDecimalPlaces(2, Dec.ROUND_HALF_EVEN).toFixed(2);
}
