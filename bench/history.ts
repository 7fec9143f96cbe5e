/**
 * Cost does not grow with history (issue 16): the same operations on two databases that differ
 * only in a million historical (FILLED and CANCELED) orders, measured in this process through
 * the domain services (no HTTP: the difference is in the database). Both databases get the same
 * accounts, a standing book and an account with 5 open orders; the history account is that
 * account. Each operation is measured on the two in turn, call after call, so both see the same
 * background load.
 */
import { type DomainServices, type PlaceOrderInput } from '../src/domain';
import type { BenchDatabase, BenchEnv } from './bench-env';
import { analyzeOrderTables, seedOrderHistory, seedRestingOrders } from './book-seed';
import { seedFundedAccount } from './seed';
import { median, round3 } from './stats';

/** One operation with and without history: median ms per call. */
export interface HistoryOp {
  readonly op: string;
  readonly withoutMs: number;
  readonly withMs: number;
  /** withMs / withoutMs. */
  readonly ratio: number;
  /** False for an operation measured beside issue 16's targets (placement, matching, open orders, orderBook), not one of them. */
  readonly target?: boolean;
}

/** The history comparison of one run. */
export interface HistoryResult {
  readonly historicalOrders: number;
  /** Wall time of the history seed (orders and fills, one transaction), seconds. */
  readonly seedSeconds: number;
  /** Calls per operation per database in each round. */
  readonly iterations: number;
  readonly rounds: number;
  readonly ops: readonly HistoryOp[];
}

const MARKET = 'BTC-USD';
const LOT = '0.00001';

/** One database set up for the comparison. */
interface Fixture { readonly db: BenchDatabase; readonly holderId: string; readonly placerId: string; readonly makerId: string }

function mustPlace(services: DomainServices, accountId: string, input: PlaceOrderInput) {
  return services.orders.placeOrder(accountId, input).then((r) => {
    if (!r.ok) throw new Error(`history bench: placement refused: ${r.errors.map((e) => e.code).join(', ')}`);
    return r.value;
  });
}

/**
 * Accounts, the history (when `historicalOrders` > 0), then what is live: 20 ask levels of 10
 * one-lot orders from 30,001.00 and the holder's 5 open BUYs at 29,500.00 (its newest orders).
 */
async function prepare(db: BenchDatabase, historicalOrders: number): Promise<Fixture & { seedSeconds: number }> {
  const [holderId, counterpartyId, placerId, makerId] = [
    await seedFundedAccount(db.services), await seedFundedAccount(db.services), await seedFundedAccount(db.services), await seedFundedAccount(db.services),
  ];
  const started = Date.now();
  if (historicalOrders > 0) await seedOrderHistory(db.driver, { holderId, counterpartyId, count: historicalOrders });
  const seedSeconds = (Date.now() - started) / 1000;
  for (let level = 1; level <= 20; level += 1) {
    await seedRestingOrders(db.driver, { accountId: makerId, market: MARKET, side: 'SELL', price: `${30000 + level}.00`, quantity: LOT, count: 10 });
  }
  for (let i = 0; i < 5; i += 1) await mustPlace(db.services, holderId, { market: MARKET, side: 'BUY', price: '29500.00', quantity: '0.001' });
  await analyzeOrderTables(db.driver);
  return { db, holderId, placerId, makerId, seedSeconds };
}

/** The operations compared, each timed call by call; `before`/`after` run untimed around a round's calls on one database. */
interface Op {
  readonly op: string;
  readonly call: (f: Fixture) => Promise<unknown>;
  readonly before?: (f: Fixture, iterations: number) => Promise<void>;
  readonly after?: (f: Fixture) => Promise<void>;
  /** Not one of issue 16's targets: reported beside them. */
  readonly besideTargets?: boolean;
}

const OPS: readonly Op[] = [
  {
    // Rests below the asks; the book walk finds nothing within its limit (history sits there too).
    op: 'placement, resting (BUY 1 lot at 29,999.00)',
    call: (f) => mustPlace(f.db.services, f.placerId, { market: MARKET, side: 'BUY', price: '29999.00', quantity: LOT }),
    after: async (f) => { await f.db.services.orders.cancelAllOrders(f.placerId, MARKET); },
  },
  {
    // One fresh one-lot maker per call at 30,000.00, below the standing asks: each placement takes exactly one.
    op: 'matching, crossing placement (BUY 1 lot takes 1 resting SELL)',
    before: (f, iterations) => seedRestingOrders(f.db.driver, { accountId: f.makerId, market: MARKET, side: 'SELL', price: '30000.00', quantity: LOT, count: iterations }),
    call: (f) => mustPlace(f.db.services, f.placerId, { market: MARKET, side: 'BUY', price: '30000.00', quantity: LOT }),
  },
  { op: 'open orders, `orders(status: OPEN)` (5 of them)', call: (f) => f.db.services.orders.listOrders(f.holderId, { status: 'OPEN', limit: 50 }) },
  { op: 'open orders, `orders(live: true)` (5 of them)', call: (f) => f.db.services.orders.listOrders(f.holderId, { live: true, limit: 50 }) },
  { op: '`orderBook(market, depth: 50)`', call: (f) => f.db.services.marketData.orderBook(MARKET, 50) },
  // Beside the targets, since the market-data review: the history trades one every 4 s, so its
  // last 24 hours hold 21,600 trades, whose volume the ticker sums from 1,440 minute totals
  // (none without history) and the trades' first page reads 51 of.
  { op: '`ticker(market)`', call: (f) => f.db.services.marketData.ticker(MARKET), besideTargets: true },
  { op: '`trades(market, first: 50)`', call: (f) => f.db.services.marketData.trades(MARKET, { limit: 50 }), besideTargets: true },
];


/**
 * Seeds `historicalOrders` into one of two scratch databases and times every operation on both,
 * `rounds` rounds of `iterations` calls each, the databases taken in turn.
 */
export async function measureHistoryCost(env: BenchEnv, options: { historicalOrders: number; iterations: number; rounds: number; log: (line: string) => void }): Promise<HistoryResult> {
  const opened: BenchDatabase[] = [];
  try {
    const scratch = async () => {
      const db = await env.openScratchDatabase();
      opened.push(db);
      return db;
    };
    const without = await prepare(await scratch(), 0);
    options.log(`  history: seeding ${options.historicalOrders.toLocaleString('en-US')} historical orders…`);
    const withHistory = await prepare(await scratch(), options.historicalOrders);
    options.log(`  history: seeded in ${withHistory.seedSeconds.toFixed(1)} s`);
    const samples = OPS.map(() => ({ without: [] as number[], with: [] as number[] }));
    const timed = async (op: Op, fixture: Fixture) => {
      const started = process.hrtime.bigint();
      await op.call(fixture);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    // Call by call, the two databases in turn (each first every other call), so the two calls
    // compared are a few milliseconds apart and see the same load; the first round is untimed
    // (JIT, caches).
    for (let round = 0; round <= options.rounds; round += 1) {
      for (const [i, op] of OPS.entries()) {
        for (const fixture of [without, withHistory]) await op.before?.(fixture, options.iterations);
        for (let n = 0; n < options.iterations; n += 1) {
          const turns = [[without, 'without'], [withHistory, 'with']] as const;
          for (const [fixture, key] of n % 2 === 0 ? turns : [...turns].reverse()) {
            const ms = await timed(op, fixture);
            if (round > 0) samples[i][key].push(ms);
          }
        }
        for (const fixture of [without, withHistory]) await op.after?.(fixture);
      }
    }
    const ops = OPS.map((op, i) => {
      const [withoutMs, withMs] = [median(samples[i].without), median(samples[i].with)];
      return { op: op.op, withoutMs: round3(withoutMs), withMs: round3(withMs), ratio: Math.round((withMs / withoutMs) * 1000) / 1000, ...(op.besideTargets ? { target: false } : {}) };
    });
    return { historicalOrders: options.historicalOrders, seedSeconds: Math.round(withHistory.seedSeconds * 10) / 10, iterations: options.iterations, rounds: options.rounds, ops };
  } finally {
    for (const db of opened) await db.close();
  }
}
