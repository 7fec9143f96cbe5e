/**
 * The matching module alone, in this process, no I/O: planMatch over a synthetic book and
 * settleTrade for each planned trade (the amounts, fees and journal of one match), timed in CPU
 * time. Two shapes: a one-lot taker against the best of a 50-order book (scenario 7's match),
 * and a sweep that takes 10 makers at 5 price levels.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_FEE_RATES, Dec, MARKETS, planMatch, settleTrade, type IncomingOrder, type MarketSpec, type OrderFillState, type RestingOrder } from '../src/domain';

/** Matches per second of one shape. */
export interface MatchingShape {
  readonly shape: string;
  /** Placements planned and settled. */
  readonly placements: number;
  /** Trades (matches) among them. */
  readonly matches: number;
  /** Matches per CPU second: planMatch + settleTrade. */
  readonly matchesPerSecond: number;
  /** Matches per CPU second of planMatch alone. */
  readonly planOnlyMatchesPerSecond: number;
}

/** The in-process matching figures of one run. */
export interface MatchingThroughput { readonly bookSize: number; readonly shapes: readonly MatchingShape[] }

const BOOK_SIZE = 50;
const MAKER = '00000000-0000-4000-8000-0000000000aa';
const TAKER = '00000000-0000-4000-8000-0000000000bb';
const zero: OrderFillState = { filledQuantity: new Dec(0), filledQuote: new Dec(0), holdRemaining: new Dec(0) };

/** 50 one-lot asks, 10 per price level from 30,000.00 up by a dollar, oldest first within a level. */
function syntheticAsks(market: MarketSpec): RestingOrder[] {
  return Array.from({ length: BOOK_SIZE }, (_, i) => ({
    id: randomUUID(), accountId: MAKER, price: new Dec(30000 + Math.floor(i / 10)), remaining: market.lotSize, seq: i + 1,
  }));
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Plans (and, with `settle`, settles) `incoming` against `book` `placements` times; returns CPU ms. */
function run(incoming: IncomingOrder, book: readonly RestingOrder[], market: MarketSpec, placements: number, settle: boolean): { ms: number; matches: number } {
  const at = new Date();
  let matches = 0;
  const started = cpuMs();
  for (let i = 0; i < placements; i += 1) {
    const plan = planMatch(incoming, book, market);
    let taker: OrderFillState = { ...zero, holdRemaining: new Dec(1_000_000) };
    if (settle) {
      for (const trade of plan.trades) {
        const settled = settleTrade({
          journalId: 'j', tradeId: 't', at, market, fees: DEFAULT_FEE_RATES, price: trade.price, quantity: trade.quantity,
          buy: { accountId: TAKER, liquidity: 'TAKER', state: taker },
          sell: { accountId: trade.maker.accountId, liquidity: 'MAKER', state: { ...zero, holdRemaining: trade.maker.remaining } },
        });
        taker = settled.buyer.after;
      }
    }
    matches += plan.trades.length;
  }
  return { ms: cpuMs() - started, matches };
}

/** Times both shapes for about `budgetMs` CPU ms each (after a warm-up of the same length). */
export function measureMatchingThroughput(budgetMs = 1000): MatchingThroughput {
  const market = MARKETS.get('BTC-USD')!;
  const book = syntheticAsks(market);
  const taker = (lots: number, limit: string): IncomingOrder => ({
    accountId: TAKER, side: 'BUY', limitPrice: new Dec(limit), quantity: market.lotSize.times(lots), quoteBudget: null, selfTradePrevention: 'CANCEL_NEWEST',
  });
  const shapes: Array<[string, IncomingOrder]> = [
    ['one-lot BUY takes the best of 50 resting asks (1 match)', taker(1, '30000')],
    ['10-lot BUY sweeps 10 asks over 1 price level of 50 resting (10 matches)', taker(10, '30004')],
  ];
  return {
    bookSize: BOOK_SIZE,
    shapes: shapes.map(([shape, incoming]) => {
      // Calibrate the count to the budget, warm up, then measure each variant.
      let placements = 100;
      while (run(incoming, book, market, placements, true).ms < budgetMs / 10) placements *= 2;
      placements *= 10;
      run(incoming, book, market, placements, true);
      const full = run(incoming, book, market, placements, true);
      const plan = run(incoming, book, market, placements, false);
      return {
        shape, placements, matches: full.matches,
        matchesPerSecond: Math.round(full.matches / (full.ms / 1000)),
        planOnlyMatchesPerSecond: Math.round(plan.matches / (plan.ms / 1000)),
      };
    }),
  };
}
