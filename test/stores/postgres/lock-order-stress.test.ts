import { Dec, MARKETS, UserErrorCode, type DomainResult, type DomainServices, type Order, type PlaceOrderInput, type SelfTradePrevention } from '../../../src/domain';
import type { QueryOptions, SqlDriver, SqlExecutor } from '../../../src/stores/postgres';
import { classifyInfrastructureFailure } from '../../../src/transport/graphql/infrastructure-errors';
import { openPostgresDatabase, type TestDatabase } from '../../helpers/database';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { CLEAN_RECONCILIATION } from '../../helpers/ledger-checks';
import { describeWithPostgres } from '../../helpers/services';
import { seededRandom } from '../../helpers/seeded-random';

/**
 * The lock order (ARCHITECTURE.md, sql-account-locks.ts): market locks (sorted) → account locks
 * (sorted, one batch) → balance rows (sorted). Every path that takes them runs here at once, many
 * times, on the same six accounts: placements of every kind in both markets (the taker's and every
 * maker's account locked; self-trade prevention canceling the taker's own makers), cancels of one
 * order, cancel-alls of one market and of every market, transfers between random pairs. A lock
 * taken out of order shows up as a deadlock victim (SQLSTATE 40P01, which the GraphQL layer
 * answers as SERVICE_UNAVAILABLE) or a lock wait past the statement timeout (57014).
 *
 * Bounded by a count, not a time; the operations come from a fixed seed, so the same mix runs
 * every time (the interleaving, which the database decides, does not repeat exactly).
 */
const SEED = 20240611;
/**
 * Two phases, one after the other: the mix over every account, then a hot spot (half transfers,
 * both ways, among three accounts, while they trade with each other). In the mix most workers
 * queue for a market lock, so few transactions hold account locks at once; the hot spot is what
 * makes them queue for each other's account locks, where an order that is not the same for every
 * path closes a cycle.
 */
const PHASES = [
  { name: 'mix', operations: 600, accounts: 6, cuts: [0.42, 0.52, 0.7, 0.74, 0.78] },
  { name: 'hot spot', operations: 300, accounts: 3, cuts: [0.25, 0.3, 0.4, 0.42, 0.44] },
] as const;
const OPERATIONS = PHASES.reduce((n, p) => n + p.operations, 0);
const CONCURRENCY = 16;
const ACCOUNTS = 6;
const PAGE = 25;
/**
 * Each statement of a transaction answers this much later (a client a network hop away from its
 * database): every lock is held that much longer, so more transactions queue behind one another,
 * which is when a lock taken out of order closes a cycle. Locally the round trip is ~0.1 ms.
 */
const ROUND_TRIP_MS = Number(process.env.LOCK_ORDER_STRESS_RTT_MS ?? 2);
/** The refusals this load may get; any other (or any throw) fails the test. */
const BUSINESS_ERRORS: ReadonlySet<string> = new Set([UserErrorCode.INSUFFICIENT_FUNDS, UserErrorCode.ORDER_NOT_OPEN, UserErrorCode.POST_ONLY_WOULD_TAKE]);


type Operation =
  | { kind: 'place'; account: number; input: PlaceOrderInput; label: string }
  | { kind: 'cancel'; account: number; pick: number; fallback: PlaceOrderInput }
  | { kind: 'cancelAll'; account: number; market: string | null }
  | { kind: 'transfer'; account: number; to: number; asset: string; amount: string };

const STP_MODES: readonly SelfTradePrevention[] = ['CANCEL_NEWEST', 'CANCEL_OLDEST', 'CANCEL_BOTH'];

/** The whole mix, drawn up front (a fixed number of draws per operation) so it does not depend on timing. */
function operations(phase: (typeof PHASES)[number], seed: number): Operation[] {
  const next = seededRandom(seed);
  const [limitCut, marketCut, cancelCut, cancelAllCut, cancelAllMarketCut] = phase.cuts;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const limitOrder = (): { input: PlaceOrderInput; label: string } => {
    const market = pick(['BTC-USD', 'ETH-USD']);
    const [mid, step, lot] = market === 'BTC-USD' ? [30_000, '1', '0.001'] : [2_000, '0.5', '0.01'];
    const side = pick(['BUY', 'SELL'] as const);
    // Within ten steps of the mid on both sides: most orders cross what rests opposite.
    const price = new Dec(mid).plus(new Dec(Math.floor(next() * 21) - 10).times(step)).toFixed(2);
    // One in twenty is large: it sweeps many makers (one batch of many account locks) or is refused for its funds.
    const quantity = new Dec(lot).times(next() < 0.05 ? 400 : 1 + Math.floor(next() * 5)).toFixed();
    const selfTradePrevention = pick(STP_MODES);
    const tif = next();
    const [timeInForce, postOnly] = tif < 0.7 ? ['GTC', false] as const : tif < 0.85 ? ['IOC', false] as const : tif < 0.93 ? ['FOK', false] as const : ['GTC', true] as const;
    return { input: { market, side, type: 'LIMIT', price, quantity, timeInForce, postOnly, selfTradePrevention }, label: `LIMIT ${timeInForce}${postOnly ? ' postOnly' : ''} ${side} ${quantity} ${market} @ ${price} ${selfTradePrevention}` };
  };
  const marketOrder = (): { input: PlaceOrderInput; label: string } => {
    const market = pick(['BTC-USD', 'ETH-USD']);
    const lot = market === 'BTC-USD' ? '0.001' : '0.01';
    const side = pick(['BUY', 'SELL'] as const);
    const quantity = new Dec(lot).times(1 + Math.floor(next() * 4)).toFixed();
    const selfTradePrevention = pick(STP_MODES);
    // Some MARKET BUYs spend a budget instead of a quantity.
    const budget = side === 'BUY' && next() < 0.4 ? (market === 'BTC-USD' ? '75.50' : '45.25') : null;
    const input: PlaceOrderInput = budget ? { market, side, type: 'MARKET', quoteQuantity: budget, selfTradePrevention } : { market, side, type: 'MARKET', quantity, selfTradePrevention };
    return { input, label: `MARKET ${side} ${budget ? `budget ${budget}` : quantity} ${market} ${selfTradePrevention}` };
  };
  const ops: Operation[] = [];
  for (let i = 0; i < phase.operations; i += 1) {
    const account = Math.floor(next() * phase.accounts);
    const what = next();
    if (what < limitCut) ops.push({ kind: 'place', account, ...limitOrder() });
    else if (what < marketCut) ops.push({ kind: 'place', account, ...marketOrder() });
    else if (what < cancelCut) ops.push({ kind: 'cancel', account, pick: next(), fallback: limitOrder().input });
    else if (what < cancelAllCut) ops.push({ kind: 'cancelAll', account, market: null });
    else if (what < cancelAllMarketCut) ops.push({ kind: 'cancelAll', account, market: pick(['BTC-USD', 'ETH-USD']) });
    else {
      const to = (account + 1 + Math.floor(next() * (phase.accounts - 1))) % phase.accounts;
      const [asset, unit] = pick([['USD', '12.5'], ['BTC', '0.001'], ['ETH', '0.02']] as const);
      ops.push({ kind: 'transfer', account, to, asset, amount: new Dec(unit).times(1 + Math.floor(next() * 8)).toFixed() });
    }
  }
  return ops;
}

/** `driver` whose statements inside a transaction answer `ms` later (the locks they took are held meanwhile). */
function withRoundTrip(driver: SqlDriver, ms: number): SqlDriver {
  const later = (tx: SqlExecutor): SqlExecutor => ({
    async query<R>(text: string, params?: readonly unknown[], options?: QueryOptions) {
      const rows = await tx.query<R>(text, params, options);
      if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
      return rows;
    },
  });
  return { ...driver, begin: (work) => driver.begin((tx) => work(later(tx))) };
}

/** One of an account's lists, read newest first a page at a time. */
interface AccountList { readonly name: string; readonly account: string; page(beforeSeq: number | undefined): Promise<{ seqs: number[]; hasNextPage: boolean }> }

/**
 * A client that syncs a list the way a bot does: newest first, down to the highest number it saw
 * last time. A row that becomes visible after a row of the same list with a higher number is
 * never read by it (the account locks exist to make that impossible).
 */
function listSync(list: AccountList) {
  const seen = new Set<number>();
  let high = 0;
  return {
    seen,
    async sync(): Promise<void> {
      let before: number | undefined;
      let top = high;
      for (;;) {
        const { seqs, hasNextPage } = await list.page(before);
        const fresh = seqs.filter((s) => s > high);
        for (const s of fresh) seen.add(s);
        if (seqs.length > 0) top = Math.max(top, seqs[0]);
        if (!hasNextPage || fresh.length < seqs.length || seqs.length === 0) break;
        before = seqs[seqs.length - 1];
      }
      high = top;
    },
  };
}

/** Every row of a list, newest first, through its cursor. */
async function readAll(list: AccountList): Promise<number[]> {
  const all: number[] = [];
  let before: number | undefined;
  for (;;) {
    const { seqs, hasNextPage } = await list.page(before);
    all.push(...seqs);
    if (!hasNextPage || seqs.length === 0) return all;
    before = seqs[seqs.length - 1];
  }
}

describeWithPostgres('lock order under concurrent placements, cancels and transfers on PostgreSQL (no deadlock)', (url) => {
  let db: TestDatabase;
  let services: DomainServices;
  let accounts: string[];

  beforeAll(async () => {
    // One connection per worker, one for the syncing reader, one spare.
    db = await openPostgresDatabase(url, { maxConnections: CONCURRENCY + 2 });
    services = servicesFor(withRoundTrip(db.driver, ROUND_TRIP_MS));
    accounts = [];
    for (let i = 0; i < ACCOUNTS; i += 1) accounts.push(await fundedAccount(services, { USD: '8000', BTC: '0.25', ETH: '4' }, `lockorder${i}`));
  }, 30_000);

  afterAll(async () => db?.close());

  test(`${OPERATIONS} operations, ${CONCURRENCY} at a time, over ${ACCOUNTS} accounts: every result ok or a business refusal, ledger clean, books uncrossed, lists in sequence order`, async () => {
    const failures: string[] = [];
    const outcomes = new Map<string, number>();
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    /** Each account's orders that were live when placed (a cancel picks among them; some have filled since). */
    const live: Array<Set<string>> = accounts.map(() => new Set());

    const lists: AccountList[] = accounts.flatMap((account) => [
      { name: 'orders', account, page: async (beforeSeq: number | undefined) => {
        const p = await services.orders.listOrders(account, { limit: PAGE, beforeSeq });
        return { seqs: p.items.map((o) => o.seq), hasNextPage: p.hasNextPage };
      } },
      { name: 'fills', account, page: async (beforeSeq: number | undefined) => {
        const p = await services.orders.listAccountFills(account, { limit: PAGE, beforeSeq });
        return { seqs: p.items.map((f) => f.sequence), hasNextPage: p.hasNextPage };
      } },
      { name: 'transfers', account, page: async (beforeSeq: number | undefined) => {
        const p = await services.transfers.listTransfers(account, { limit: PAGE, beforeSeq });
        return { seqs: p.items.map((t) => t.seq), hasNextPage: p.hasNextPage };
      } },
    ]);
    const syncs = lists.map(listSync);

    const run = (op: Operation): [string, Promise<DomainResult<unknown>>] => {
      const account = accounts[op.account];
      switch (op.kind) {
        case 'place':
          return [`${op.label} by #${op.account}`, services.orders.placeOrder(account, op.input)];
        case 'cancel': {
          const mine = [...live[op.account]];
          if (mine.length === 0) return [`LIMIT (no order to cancel) by #${op.account}`, services.orders.placeOrder(account, op.fallback)];
          const id = mine[Math.floor(op.pick * mine.length)];
          live[op.account].delete(id);
          return [`cancelOrder ${id} by #${op.account}`, services.orders.cancelOrder(account, id)];
        }
        case 'cancelAll':
          return [`cancelAllOrders ${op.market ?? '(every market)'} by #${op.account}`, services.orders.cancelAllOrders(account, op.market)];
        case 'transfer':
          return [`transfer ${op.amount} ${op.asset} #${op.account} → #${op.to}`, services.transfers.createTransfer(account, { toAccountId: accounts[op.to], asset: op.asset, amount: op.amount })];
      }
    };

    let ops: Operation[] = [];
    let phaseName = '';
    let nextOp = 0;
    const worker = async () => {
      while (nextOp < ops.length) {
        const index = nextOp++;
        const op = ops[index];
        const [opLabel, pending] = run(op);
        const label = `${phaseName} ${opLabel}`;
        try {
          const result = await pending;
          if (!result.ok) {
            for (const e of result.errors) {
              count(`${op.kind}: ${e.code}`);
              if (!BUSINESS_ERRORS.has(e.code)) failures.push(`op ${index} (${label}): user error ${e.code}: ${e.message}`);
            }
            continue;
          }
          count(`${op.kind}: ok`);
          const value = result.value as Order | Order[];
          if (!Array.isArray(value) && 'status' in value && (value.status === 'OPEN' || value.status === 'PARTIALLY_FILLED')) live[op.account].add(value.id);
          if (Array.isArray(value)) for (const o of value) live[op.account].delete(o.id);
        } catch (error) {
          const e = error as { code?: string; message?: string };
          const infrastructure = classifyInfrastructureFailure(error);
          count(`${op.kind}: threw ${e.code ?? ''}`);
          failures.push(`op ${index} (${label}): threw ${e.code ?? '(no code)'} ${e.message ?? String(error)}${infrastructure ? ` [SERVICE_UNAVAILABLE: ${infrastructure.reason}]` : ' [INTERNAL]'}`);
        }
      }
    };

    // A bot syncing every list of every account while the load runs (one statement at a time).
    let loadDone = false;
    let syncRounds = 0;
    const reader = (async () => {
      while (!loadDone) {
        for (const s of syncs) await s.sync();
        syncRounds += 1;
      }
    })();

    const started = Date.now();
    for (const [i, phase] of PHASES.entries()) {
      ops = operations(phase, SEED + i);
      phaseName = phase.name;
      nextOp = 0;
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    }
    loadDone = true;
    await reader;
    const elapsed = Date.now() - started;

    // Nothing threw (no 40P01 deadlock victim, no lock wait past the statement timeout) and every refusal is a business one.
    expect(failures).toEqual([]);

    // Each market's book is uncrossed.
    for (const market of MARKETS.keys()) {
      const book = (await services.marketData.orderBook(market, 1))!;
      if (book.bids.length > 0 && book.asks.length > 0) expect(new Dec(book.bids[0].price).lt(book.asks[0].price)).toBe(true);
    }
    expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);

    // Every list, read newest first through its cursor: strictly decreasing numbers, each row once, all of the account's rows.
    const problems: string[] = [];
    const counted = await db.driver.query<{ account: string; orders: string; fills: string; transfers: string }>(
      `SELECT a.id::text AS account,
         (SELECT count(*) FROM orders WHERE account_id = a.id) AS orders,
         (SELECT count(*) FROM fills WHERE account_id = a.id) AS fills,
         (SELECT count(*) FROM transfers WHERE from_account_id = a.id OR to_account_id = a.id) AS transfers
       FROM accounts a WHERE a.id = ANY($1::uuid[])`,
      [accounts],
    );
    for (const [i, list] of lists.entries()) {
      const seqs = await readAll(list);
      const where = `${list.name} of ${list.account}`;
      if (seqs.some((s, k) => k > 0 && !(s < seqs[k - 1]))) problems.push(`${where}: not strictly decreasing`);
      if (new Set(seqs).size !== seqs.length) problems.push(`${where}: duplicates`);
      const expected = Number(counted.find((r) => r.account === list.account)![list.name as 'orders' | 'fills' | 'transfers']);
      if (seqs.length !== expected) problems.push(`${where}: ${seqs.length} rows listed, ${expected} in the table`);
      // The syncing bot, after one last sync, has every row: none became visible below a number it had already seen.
      await syncs[i].sync();
      const skipped = seqs.filter((s) => !syncs[i].seen.has(s));
      if (skipped.length > 0) problems.push(`${where}: rows ${skipped.join(', ')} became visible after a higher number had been read (skipped by a newest-first sync)`);
    }
    expect(problems).toEqual([]);

    // The load did what it is meant to: trades in both markets (with makers of other accounts), self-trade
    // cancels, user cancels, transfers, and the reader synced while it ran.
    const [done] = await db.driver.query<{ btc: string; eth: string; stp: string; user_canceled: string; transfers: string }>(
      `SELECT (SELECT count(*) FROM fills WHERE market = 'BTC-USD') AS btc, (SELECT count(*) FROM fills WHERE market = 'ETH-USD') AS eth,
         (SELECT count(*) FROM orders WHERE status_reason = 'SELF_TRADE_PREVENTION') AS stp,
         (SELECT count(*) FROM orders WHERE status_reason = 'CANCELED_BY_USER') AS user_canceled,
         (SELECT count(*) FROM transfers) AS transfers`,
    );
    expect(Number(done.btc)).toBeGreaterThan(50);
    expect(Number(done.eth)).toBeGreaterThan(50);
    expect(Number(done.stp)).toBeGreaterThan(0);
    expect(Number(done.user_canceled)).toBeGreaterThan(10);
    expect(Number(done.transfers)).toBeGreaterThan(50);
    expect(syncRounds).toBeGreaterThan(1);
    if (process.env.LOCK_ORDER_STRESS_VERBOSE) {
      process.stdout.write(`${OPERATIONS} operations in ${elapsed} ms; ${syncRounds} sync rounds; ${JSON.stringify(done)}\n${JSON.stringify(Object.fromEntries([...outcomes].sort()), null, 1)}\n`);
    }
  }, 60_000);
});
