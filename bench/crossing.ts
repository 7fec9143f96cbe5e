/**
 * Scenario 7, a crossing flow: every placement is a BUY of one lot at the price where a deep book
 * of one-lot SELLs rests, so each one takes exactly one maker (one trade, one fill pair, both
 * orders FILLED). The makers belong to an account that never places over HTTP (no self-trade),
 * and are seeded in bulk before the load (book-seed.ts), enough for the scenario at a rate far
 * above today's; the outcome check says whether any taker found the book empty.
 */
import { randomUUID } from 'node:crypto';
import type { ReconciliationReport } from '../src/domain';
import type { BenchDatabase } from './bench-env';
import { seedRestingOrders } from './book-seed';
import type { BenchRequest } from './load';
import { createSigner, type BenchCredential } from './requests';
import { seedFundedAccount } from './seed';

/** Where the crossing flow trades in each market: a realistic price, one lot per order. */
export const CROSSING_BOOKS = [
  { market: 'BTC-USD', price: '30000.00', quantity: '0.00001' },
  { market: 'ETH-USD', price: '2000.00', quantity: '0.0001' },
] as const;

/** Requests per second the seeded book is sized for (three times today's scenario 4 in either mode). */
export const CROSSING_RATE_CEILING = 1500;

/** What the crossing scenarios left behind, checked once the load is over. */
export interface CrossingOutcome {
  /** Crossing placements recorded, per market. */
  readonly takers: Record<string, number>;
  /** Of those, the ones that did not end FILLED (the book ran dry, or a refusal): 0 expected. */
  readonly unfilledTakers: number;
  /** Seeded makers still resting, per market. */
  readonly makersLeft: Record<string, number>;
  /** `reconcile()` over the server's database: 'clean', or how many of each kind of mismatch. */
  readonly reconcile: 'clean' | Record<keyof ReconciliationReport, number>;
}

/** The body of one crossing BUY in `market` (the GraphQL input scenario 4 uses, at the book's price). */
function crossingBody(book: (typeof CROSSING_BOOKS)[number]): string {
  return JSON.stringify({
    query: 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { code message } } }',
    variables: { input: { market: book.market, side: 'BUY', type: 'LIMIT', price: book.price, quantity: book.quantity } },
  });
}

/**
 * Seeds a maker account per market and the one-lot SELLs scenarios 7 and 7b can take in
 * `scenarioSeconds` each (warm-up included) at {@link CROSSING_RATE_CEILING}: 7 trades BTC-USD
 * alone, 7b half in each market. Each market has its own maker, so 7b's two markets share no
 * maker balance row. Returns the makers' ids by market.
 */
export async function seedCrossingBooks(db: BenchDatabase, scenarioSeconds: number): Promise<Record<string, string>> {
  const perScenario = CROSSING_RATE_CEILING * scenarioSeconds;
  const shares: Record<string, number> = { 'BTC-USD': 1.5, 'ETH-USD': 0.5 };
  const makers: Record<string, string> = {};
  for (const book of CROSSING_BOOKS) {
    makers[book.market] = await seedFundedAccount(db.services);
    const count = Math.ceil(perScenario * shares[book.market]);
    await seedRestingOrders(db.driver, { accountId: makers[book.market], market: book.market, side: 'SELL', price: book.price, quantity: book.quantity, count });
  }
  return makers;
}

/**
 * Signed, idempotent crossing BUYs (a fresh key each); markets taken in turn over `markets`
 * (scenario 7: BTC-USD alone; 7b: BTC-USD and ETH-USD), each market with its own share of the
 * accounts, taken in turn, so two markets share no taker balance row either.
 */
export function crossingRequests(credentials: readonly BenchCredential[], markets: readonly string[]): () => BenchRequest {
  if (credentials.length < markets.length) throw new Error(`${markets.length} markets need at least as many accounts, got ${credentials.length}`);
  const perMarket = markets.map((m, i) => {
    const book = CROSSING_BOOKS.find((b) => b.market === m);
    if (!book) throw new Error(`no crossing book in ${m}`);
    return { body: crossingBody(book), sign: createSigner(credentials.filter((_, k) => k % markets.length === i)) };
  });
  let turn = 0;
  return () => {
    const next = perMarket[(turn = (turn + 1) % perMarket.length)];
    return next.sign(next.body, { 'idempotency-key': randomUUID() });
  };
}

/** Counts the crossing placements and the makers left, and reconciles the whole database. */
export async function crossingOutcome(db: BenchDatabase, makers: Readonly<Record<string, string>>): Promise<CrossingOutcome> {
  const takers: Record<string, number> = {};
  const makersLeft: Record<string, number> = {};
  let unfilledTakers = 0;
  for (const book of CROSSING_BOOKS) {
    const [row] = await db.driver.query<{ takers: string | number; unfilled: string | number; makers: string | number }>(
      `SELECT COUNT(*) FILTER (WHERE side = 'BUY') AS takers, COUNT(*) FILTER (WHERE side = 'BUY' AND status <> 'FILLED') AS unfilled,
         COUNT(*) FILTER (WHERE side = 'SELL' AND account_id = $3 AND status IN ('OPEN', 'PARTIALLY_FILLED')) AS makers
       FROM orders WHERE market = $1 AND price = $2::numeric`,
      [book.market, book.price, makers[book.market]],
    );
    takers[book.market] = Number(row.takers);
    makersLeft[book.market] = Number(row.makers);
    unfilledTakers += Number(row.unfilled);
  }
  const report = await db.uow.repo.reconcile();
  const counts = {
    balanceMismatches: report.balanceMismatches.length, unbalancedAssets: report.unbalancedAssets.length,
    heldMismatches: report.heldMismatches.length, orderMismatches: report.orderMismatches.length, feeMismatches: report.feeMismatches.length,
    depositMismatches: report.depositMismatches.length, volumeMismatches: report.volumeMismatches.length,
  };
  return { takers, unfilledTakers, makersLeft, reconcile: Object.values(counts).every((n) => n === 0) ? 'clean' : counts };
}
