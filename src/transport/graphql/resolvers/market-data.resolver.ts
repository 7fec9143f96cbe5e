import { Arg, Ctx, Directive, Int, Query, Resolver } from 'type-graphql';
import type { Fill } from '../../../domain';
import { BadUserInputError, UnknownMarketError } from '../../../errors';
import type { GraphQLContext } from '../context';
import { TradeConnection } from '../types/connections';
import { OrderBookType, TickerType, type TradeType } from '../types/models';
import { connection, pageArgs } from './pagination';

/** Most price levels per side `orderBook` returns. */
export const MAX_BOOK_DEPTH = 100;
/** Price levels per side when `depth` is omitted. */
export const DEFAULT_BOOK_DEPTH = 20;

const MARKET_ARG = { description: 'Market symbol, e.g. BTC-USD (see `markets`).' } as const;

/** A public trade: the taker's fill without its account, order or fee. */
function toTrade(fill: Fill): TradeType {
  return { id: fill.id, tradeId: fill.tradeId, sequence: fill.sequence, price: fill.price, quantity: fill.quantity, takerSide: fill.side as TradeType['takerSide'], createdAt: fill.createdAt };
}

/** Public market data: no signature needed; unsigned calls are rate-limited per IP. */
@Resolver()
export class MarketDataResolver {
  @Query(() => OrderBookType, { nullable: true, description: 'A market\'s live orders aggregated by price, best first, with the book\'s sequence. Public.' })
  @Directive('@rateLimit(max: 300, window: "1m")')
  async orderBook(
    @Arg('market', MARKET_ARG) market: string,
    @Ctx() ctx: GraphQLContext,
    // Nullable like every page size (`first`): null means the default, as omitting it does. A
    // non-null argument would turn `depth: $d` with `$d: null` into a refusal of the whole request.
    @Arg('depth', () => Int, { nullable: true, defaultValue: DEFAULT_BOOK_DEPTH, description: `Price levels per side, 1-${MAX_BOOK_DEPTH}; default ${DEFAULT_BOOK_DEPTH} (omitted or null).` }) depthOrNull: number | null,
  ) {
    const depth = depthOrNull ?? DEFAULT_BOOK_DEPTH;
    if (!Number.isInteger(depth) || depth < 1 || depth > MAX_BOOK_DEPTH) throw new BadUserInputError(`depth must be between 1 and ${MAX_BOOK_DEPTH}.`, { field: 'depth' });
    const book = await ctx.services.marketData.orderBook(market, depth);
    if (!book) throw new UnknownMarketError(market);
    return { market, ...book };
  }

  @Query(() => TradeConnection, { nullable: true, description: 'A market\'s trades, newest first. Public.' })
  @Directive('@rateLimit(max: 300, window: "1m")')
  async trades(
    @Arg('market', MARKET_ARG) market: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 1-100; default 20.' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: 'A cursor from this list (an edge cursor or pageInfo.endCursor): the page starts after it. Omit for the first page.' }) after?: string,
  ) {
    const page = await ctx.services.marketData.trades(market, pageArgs('trades', first, after));
    if (!page) throw new UnknownMarketError(market);
    return connection('trades', { items: page.items.map(toTrade), hasNextPage: page.hasNextPage }, (trade) => trade.sequence);
  }

  @Query(() => TickerType, { nullable: true, description: 'A market\'s last trade price, best bid and ask, and 24-hour volume. Public.' })
  @Directive('@rateLimit(max: 300, window: "1m")')
  async ticker(@Arg('market', MARKET_ARG) market: string, @Ctx() ctx: GraphQLContext): Promise<TickerType> {
    const ticker = await ctx.services.marketData.ticker(market);
    if (!ticker) throw new UnknownMarketError(market);
    return { market, lastPrice: ticker.lastPrice, bestBid: ticker.bestBid, bestAsk: ticker.bestAsk, volume24h: ticker.volume };
  }
}
