import { MARKETS, type MarketSpec } from './assets';
import { Dec } from './decimal';
import { canonicalUuid } from './ids';
import { holdJournal, releaseJournal } from './ledger';
import { findOwnedApiKey } from './owned-api-key';
import { planMatch, type IncomingOrder, type MatchPlan, type RestingOrder } from './matching';
import { validateOrder, type PlaceOrderInput, type ValidOrder } from './order-entry';
import type { BookEntry, Clock, IdGenerator, OrderUpdate, PageQuery, TradingRepository, UnitOfWork } from './ports';
import { ceilQuote, settleTrade, type FeeRates, type OrderFillState, type TradeParty } from './settlement';
import { transact } from './transactions';
import type { Fill, Journal, Liquidity, Order, OrderStatus, OrderStatusReason, Page } from './types';
import { RollbackWithUserErrors, UserErrorCode, fail, userError, type DomainResult } from './user-errors';

export type { PlaceOrderInput } from './order-entry';

/** Places, matches and cancels orders; every live order holds its funds. */
export interface OrderService {
  /**
   * Validates, matches against the book (price-time priority) and settles the fills, in one
   * transaction. `apiKeyId`: the key whose signed request places it, recorded on the order (null:
   * an operator's placement).
   */
  placeOrder(accountId: string, input: PlaceOrderInput, apiKeyId?: string | null): Promise<DomainResult<Order>>;
  /** Cancels one live order; `apiKeyId`: the key whose signed request cancels it, recorded on the order. */
  cancelOrder(accountId: string, orderId: string, apiKeyId?: string | null): Promise<DomainResult<Order>>;
  /**
   * Cancels every live order of the account in `market` (every market when null); once it returns
   * none of them can fill. `placedBy`: only the orders that API key of the account placed (revoked
   * keys included); an id that is not one of the account's keys is API_KEY_NOT_FOUND.
   */
  cancelAllOrders(accountId: string, market: string | null, apiKeyId?: string | null, placedBy?: string | null): Promise<DomainResult<Order[]>>;
  /** The order when it belongs to the account; null otherwise (other accounts' orders are invisible). */
  findOrder(accountId: string, orderId: string): Promise<Order | null>;
  /**
   * The account's orders among `orderIds`, in one read, each in the place of its id in `orderIds`
   * (null where it is not the account's order, or no order).
   */
  findOrders(accountId: string, orderIds: readonly string[]): Promise<Array<Order | null>>;
  findOrderByClientOrderId(accountId: string, clientOrderId: string): Promise<Order | null>;
  /**
   * `byApiKeyId`: only the orders that key placed or ended (`canceledByApiKeyId`: its cancels, or
   * its placement's self-trade prevention): what the key did to the account's orders. The caller
   * has found it among the account's keys (ApiKeyService.findOwnedApiKey).
   */
  listOrders(accountId: string, query: PageQuery & { status?: OrderStatus; live?: boolean; market?: string; byApiKeyId?: string }): Promise<Page<Order>>;
  /** The account's fills, newest first (optionally one market). */
  listAccountFills(accountId: string, query: PageQuery & { market?: string }): Promise<Page<Fill>>;
  /** An order's fills, newest first; `liquidity: 'TAKER'` gives the fills it made at placement. */
  listOrderFills(order: Order, query: PageQuery & { liquidity?: Liquidity }): Promise<Page<Fill>>;
  /** The fills of each order, newest first, one page each, in one read (a list of orders with their fills). */
  listFillsOfOrders(orders: readonly Order[], query: PageQuery): Promise<Array<Page<Fill>>>;
  /** The most live orders an account may have in one market; null: no limit (what `cancelAllOrders` can return is bounded by it). */
  readonly maxOpenOrders: number | null;
}

/**
 * How many resting orders a placement reads: two first (most orders take one or two), then 50,
 * then twice as many each time while it can take more. Every row read costs even when it does not
 * trade: on PGlite a one-lot crossing placement took 1.69 ms reading 8 first and 1.59 ms reading
 * 2; an order that takes three or more makers pays one more read. The match is planned again over
 * everything read after each batch, so the batches grow geometrically: a sweep through N resting
 * orders plans about 2N steps in all, not N² / 50 (12,000 of one account's own orders, canceled by
 * self-trade prevention, took 5.6 s of the event loop with fixed batches of 50).
 */
const BOOK_BATCH = { first: 2, next: 50 } as const;

/** The most live orders an account may have in one market unless configured (SIGNET_MAX_OPEN_ORDERS). */
export const DEFAULT_MAX_OPEN_ORDERS = 500;
/** The highest limit SIGNET_MAX_OPEN_ORDERS accepts (short of `unlimited`). */
export const MAX_CONFIGURABLE_OPEN_ORDERS = 100_000;

/** A resting order as the placement found it, with the state a trade changes. */
interface MakerState { readonly entry: BookEntry; readonly resting: RestingOrder; state: OrderFillState; status: OrderStatus; statusReason: OrderStatusReason | null }

/** Reads the book (as far as the incoming order can reach) and plans the match. */
async function planAgainstBook(repo: TradingRepository, order: ValidOrder, incoming: IncomingOrder): Promise<{ plan: MatchPlan; book: Map<string, BookEntry> }> {
  const restingSide = order.side === 'BUY' ? 'SELL' : 'BUY';
  const entries: BookEntry[] = [];
  const resting: RestingOrder[] = [];
  let limit: number = BOOK_BATCH.first;
  for (;;) {
    const last = entries[entries.length - 1];
    if (last) limit = limit === BOOK_BATCH.first ? BOOK_BATCH.next : limit * 2;
    const batch = await repo.readBook({
      market: order.market.symbol, side: restingSide, limitPrice: order.price,
      after: last ? { price: new Dec(last.price), seq: last.seq } : null, limit,
    });
    for (const e of batch) {
      entries.push(e);
      resting.push({ id: e.id, accountId: e.accountId, price: new Dec(e.price), remaining: new Dec(e.remaining), seq: e.seq });
    }
    const plan = planMatch(incoming, resting, order.market);
    // A short batch was the rest of the book within the limit.
    if (!plan.needsMoreBook || batch.length < limit) return { plan, book: new Map(entries.map((e) => [e.id, e])) };
  }
}

/** The hold a placement takes; zero for a MARKET BUY by quantity that the book cannot fill at all. */
function holdFor(order: ValidOrder, plan: MatchPlan): Dec {
  if (order.side === 'SELL') return order.quantity!;
  if (order.quoteQuantity !== null) return order.quoteQuantity;
  if (order.price !== null) return ceilQuote(order.market, order.price.times(order.quantity!));
  return ceilQuote(order.market, plan.filledQuote);
}

/** The incoming order's status once its trades are done. */
function takerOutcome(order: ValidOrder, plan: MatchPlan, fokFailed: boolean): { status: OrderStatus; reason: OrderStatusReason | null } {
  if (fokFailed) return { status: 'EXPIRED', reason: 'FOK_NOT_FILLABLE' };
  if (plan.takerCanceledBySelfTrade) return { status: 'CANCELED', reason: 'SELF_TRADE_PREVENTION' };
  // A budget is filled once what is left of it buys no further lot; the book running out first leaves a remainder.
  if (order.quoteQuantity !== null) return plan.filledQuantity.isZero() || !plan.budgetSpent ? { status: 'EXPIRED', reason: 'MARKET_REMAINDER' } : { status: 'FILLED', reason: null };
  if (plan.filledQuantity.eq(order.quantity!)) return { status: 'FILLED', reason: null };
  if (order.type === 'MARKET') return { status: 'EXPIRED', reason: 'MARKET_REMAINDER' };
  if (order.timeInForce === 'IOC') return { status: 'EXPIRED', reason: 'IOC_REMAINDER' };
  return { status: plan.filledQuantity.isZero() ? 'OPEN' : 'PARTIALLY_FILLED', reason: null };
}

const isLive = (status: OrderStatus) => status === 'OPEN' || status === 'PARTIALLY_FILLED';

/** The refusal of a clientOrderId the account already used, naming the order that holds it (as a transfer's does). */
const duplicateClientOrderId = (existing: Order | null) => new RollbackWithUserErrors([userError(
  UserErrorCode.DUPLICATE_CLIENT_ORDER_ID,
  `An order with this clientOrderId already exists: ${existing ? `order ${existing.id}` : 'one of this account\'s orders'}.`,
  ['input', 'clientOrderId'],
)]);

/**
 * Creates the order service; `fees` are the maker and taker rates of every market; `maxOpenOrders`
 * the most live orders an account may have in one market (null: no limit; default 500). Without a
 * limit one account could rest orders without end, and one placement walking them (a sweep, or
 * self-trade prevention canceling them) would hold the market lock and the event loop for minutes.
 */
export function createOrderService(deps: { uow: UnitOfWork; clock: Clock; newId: IdGenerator; fees: FeeRates; maxOpenOrders?: number | null }): OrderService {
  const { uow, clock, newId, fees } = deps;
  const maxOpenOrders = deps.maxOpenOrders === undefined ? DEFAULT_MAX_OPEN_ORDERS : deps.maxOpenOrders;

  /** Releases what a final order still holds (nothing when it holds nothing). */
  const releaseOf = (orderId: string, accountId: string, order: { holdAsset: Order['holdAsset'] }, amount: Dec, at: Date): Journal[] =>
    amount.isZero() ? [] : [releaseJournal(newId(), orderId, accountId, order.holdAsset, amount, at)];

  async function place(repo: TradingRepository, accountId: string, order: ValidOrder, apiKeyId: string | null): Promise<Order> {
    const market: MarketSpec = order.market;
    await repo.lockMarket(market.symbol);
    const now = clock();
    const incoming: IncomingOrder = {
      // A budget buys at most the market's largest order quantity, like any order: past it, what is left of the budget is a remainder.
      accountId, side: order.side, limitPrice: order.price, quantity: order.quantity ?? market.maxQuantity, quoteBudget: order.quoteQuantity, selfTradePrevention: order.selfTradePrevention,
    };
    let { plan, book } = await planAgainstBook(repo, order, incoming);
    // A refusal decided by the book: a clientOrderId the account already used is told first, as the
    // store tells it before INSUFFICIENT_FUNDS, so a retry whose idempotency record is gone (past its
    // retention) learns its order exists instead of "nothing was placed". Looked up only to refuse.
    const refuseUnlessDuplicate = async (refusal: RollbackWithUserErrors): Promise<never> => {
      const existing = order.clientOrderId === null ? null : await repo.findOrderByClientOrderId(accountId, order.clientOrderId);
      if (existing !== null) throw duplicateClientOrderId(existing);
      throw refusal;
    };
    if (order.postOnly && book.size > 0) {
      await refuseUnlessDuplicate(new RollbackWithUserErrors([userError(UserErrorCode.POST_ONLY_WOULD_TAKE, 'The order would trade now (it crosses the best opposite price), and it is postOnly. Nothing was placed.', ['input', 'postOnly'])]));
    }
    // FOK: all of it against the book as it is now, or nothing at all (no trade, no self-trade cancel).
    const fokFailed = order.timeInForce === 'FOK' && !plan.filledQuantity.eq(order.quantity!);
    if (fokFailed) plan = { trades: [], canceledMakers: [], takerCanceledBySelfTrade: false, filledQuantity: new Dec(0), filledQuote: new Dec(0), needsMoreBook: false, budgetSpent: false };
    // A budget below one lot at the best ask, with asks on the book: refused like a quantity below the
    // lot size, nothing placed (an order of quantity 0 that "expired" would say the book ran out).
    if (order.quoteQuantity !== null && plan.trades.length === 0 && plan.budgetSpent) {
      const canceled = new Set(plan.canceledMakers.map((m) => m.id));
      const ask = [...book.values()].find((e) => !canceled.has(e.id));
      await refuseUnlessDuplicate(new RollbackWithUserErrors([userError(UserErrorCode.INVALID_QUANTITY,
        `quoteQuantity ${order.quoteQuantity.toFixed()} buys less than one lot (${market.lotSize.toFixed()} ${market.baseAsset}${ask ? ` at ${ask.price}` : ''}). Nothing was placed.`, ['input', 'quoteQuantity'])]));
    }

    const orderId = newId();
    const hold = holdFor(order, plan);
    // The hold comes first: the store checks the journals as if posted in turn, so the hold must fit
    // the available balance before anything it later releases.
    const journals: Journal[] = hold.isZero() ? [] : [holdJournal(newId(), orderId, accountId, order.holdAsset, hold, now)];
    const fills: Array<Omit<Fill, 'sequence'>> = [];
    const makers = new Map<string, MakerState>();
    let taker: OrderFillState = { filledQuantity: new Dec(0), filledQuote: new Dec(0), holdRemaining: hold };
    const makerOf = (resting: RestingOrder): MakerState => {
      let state = makers.get(resting.id);
      if (!state) {
        const entry = book.get(resting.id)!;
        state = {
          entry, resting, status: 'OPEN', statusReason: null,
          state: { filledQuantity: new Dec(entry.filledQuantity), filledQuote: new Dec(entry.filledQuote), holdRemaining: new Dec(entry.holdRemaining) },
        };
        makers.set(resting.id, state);
      }
      return state;
    };

    for (const trade of plan.trades) {
      const maker = makerOf(trade.maker);
      const takerParty: TradeParty = { accountId, liquidity: 'TAKER', state: taker };
      const makerParty: TradeParty = { accountId: trade.maker.accountId, liquidity: 'MAKER', state: maker.state };
      const tradeId = newId();
      const settled = settleTrade({
        journalId: newId(), tradeId, at: now, market, fees, price: trade.price, quantity: trade.quantity,
        buy: order.side === 'BUY' ? takerParty : makerParty, sell: order.side === 'BUY' ? makerParty : takerParty,
      });
      journals.push(settled.journal);
      const takerSide = order.side === 'BUY' ? settled.buyer : settled.seller;
      const makerSide = order.side === 'BUY' ? settled.seller : settled.buyer;
      taker = takerSide.after;
      maker.state = makerSide.after;
      const makerRemaining = new Dec(maker.entry.remaining).plus(new Dec(maker.entry.filledQuantity)).minus(maker.state.filledQuantity);
      maker.status = makerRemaining.isZero() ? 'FILLED' : 'PARTIALLY_FILLED';
      const fill = (id: string, side: typeof makerSide, ofOrder: string): Omit<Fill, 'sequence'> => ({
        id, tradeId, orderId: ofOrder, accountId: side.accountId, market: market.symbol, side: side.side, price: trade.price.toFixed(),
        quantity: trade.quantity.toFixed(), quoteAmount: settled.quoteAmount.toFixed(), fee: side.fee.toFixed(),
        feeAsset: side.side === 'BUY' ? market.baseAsset : market.quoteAsset, liquidity: side.liquidity, createdAt: now,
      });
      fills.push(fill(newId(), makerSide, trade.maker.id), fill(newId(), takerSide, orderId));
    }
    for (const resting of plan.canceledMakers) {
      const maker = makerOf(resting);
      maker.status = 'CANCELED';
      maker.statusReason = 'SELF_TRADE_PREVENTION';
    }

    const updates: OrderUpdate[] = [];
    for (const maker of makers.values()) {
      let holdRemaining = maker.state.holdRemaining;
      if (!isLive(maker.status)) {
        journals.push(...releaseOf(maker.entry.id, maker.entry.accountId, { holdAsset: order.side === 'BUY' ? market.baseAsset : market.quoteAsset }, holdRemaining, now));
        holdRemaining = new Dec(0);
      }
      updates.push({
        id: maker.entry.id, status: maker.status, statusReason: maker.statusReason, filledQuantity: maker.state.filledQuantity.toFixed(),
        filledQuote: maker.state.filledQuote.toFixed(), holdRemaining: holdRemaining.toFixed(),
        canceledByApiKeyId: maker.statusReason === 'SELF_TRADE_PREVENTION' ? apiKeyId : null,
      });
    }

    const outcome = takerOutcome(order, plan, fokFailed);
    let takerHold = taker.holdRemaining;
    if (!isLive(outcome.status)) {
      journals.push(...releaseOf(orderId, accountId, order, takerHold, now));
      takerHold = new Dec(0);
    } else if (order.side === 'BUY' && !taker.filledQuantity.isZero()) {
      // A BUY that rests after trading below its limit keeps only what the rest costs at its limit
      // (as the ledger rounds: the rise of its rounded-up total cost); the price improvement goes
      // back to available now, not when the order ends.
      const rest = order.price!.times(order.quantity!.minus(taker.filledQuantity));
      const needed = ceilQuote(market, taker.filledQuote.plus(rest)).minus(ceilQuote(market, taker.filledQuote));
      journals.push(...releaseOf(orderId, accountId, order, takerHold.minus(needed), now));
      takerHold = needed;
    }
    const recorded = await repo.recordPlacement({
      order: {
        id: orderId, accountId, market: market.symbol, side: order.side, type: order.type, price: order.price?.toFixed() ?? null,
        // A budgeted MARKET BUY never rests: its quantity is what it bought.
        quantity: (order.quantity ?? taker.filledQuantity).toFixed(), quoteQuantity: order.quoteQuantity?.toFixed() ?? null,
        timeInForce: order.timeInForce, postOnly: order.postOnly, selfTradePrevention: order.selfTradePrevention, clientOrderId: order.clientOrderId,
        status: outcome.status, statusReason: outcome.reason, filledQuantity: taker.filledQuantity.toFixed(), filledQuote: taker.filledQuote.toFixed(),
        holdAsset: order.holdAsset, holdAmount: hold.toFixed(), holdRemaining: takerHold.toFixed(), apiKeyId,
        canceledByApiKeyId: outcome.reason === 'SELF_TRADE_PREVENTION' ? apiKeyId : null, createdAt: now, updatedAt: now,
      },
      makerUpdates: updates, fills, journals, openOrderLimit: isLive(outcome.status) ? maxOpenOrders : null,
    });
    // Read after the refused insert: the order that holds the id has committed (the insert waited for it).
    if (recorded === 'duplicate') throw duplicateClientOrderId(await repo.findOrderByClientOrderId(accountId, order.clientOrderId as string));
    if (recorded === 'tooManyOpenOrders') {
      throw new RollbackWithUserErrors([userError(UserErrorCode.TOO_MANY_OPEN_ORDERS,
        `The order would rest, and the account already has ${maxOpenOrders} open orders in ${market.symbol}, the most one market allows. Nothing was placed: cancel some, or place an order that does not rest (IOC, FOK or MARKET).`, ['input', 'market'])]);
    }
    if (recorded.refused.some((row) => row.accountId === accountId && row.asset === order.holdAsset)) {
      throw new RollbackWithUserErrors([userError(UserErrorCode.INSUFFICIENT_FUNDS, `Insufficient available ${order.holdAsset} to hold ${hold.toFixed()}.`, ['input', order.quoteQuantity !== null ? 'quoteQuantity' : 'quantity'])]);
    }
    if (recorded.refused.length > 0) throw new Error(`ledger invariant broken: the fills of order ${orderId} do not fit the holds they consume`);
    return recorded.order;
  }

  async function cancelLocked(repo: TradingRepository, query: Parameters<TradingRepository['cancelLiveOrders']>[0]): Promise<Order[]> {
    const canceled = await repo.cancelLiveOrders(query);
    const journals = canceled.flatMap(({ order, released }) => releaseOf(order.id, order.accountId, order, new Dec(released), query.at));
    if (journals.length > 0 && !(await repo.postJournals(journals))) throw new Error('ledger invariant broken: a canceled order\'s hold is not in the held balance');
    return canceled.map((c) => c.order);
  }

  return {
    maxOpenOrders,

    async placeOrder(accountId, input, apiKeyId = null) {
      const valid = validateOrder(input);
      if (Array.isArray(valid)) return fail(...valid);
      return transact(uow, (repo) => place(repo, accountId, valid, apiKeyId));
    },

    async cancelOrder(accountId, orderIdText, apiKeyId = null) {
      const orderId = canonicalUuid(orderIdText);
      // Another account's order answers exactly like a missing one: ids are not an oracle.
      const notFound = () => new RollbackWithUserErrors([userError(UserErrorCode.ORDER_NOT_FOUND, 'No such order.', ['id'])]);
      if (orderId === null) return fail(...notFound().errors);
      return transact(uow, async (repo) => {
        const of = await repo.lockMarketOfOrder(orderId, accountId);
        if (of === null) throw notFound();
        // An ended order: its market was not locked, and there is nothing to cancel.
        const [canceled] = of.live ? await cancelLocked(repo, { accountId, orderId, reason: 'CANCELED_BY_USER', apiKeyId, at: clock() }) : [];
        if (canceled) return canceled;
        const existing = await repo.findOrder(orderId);
        if (!existing) throw notFound();
        throw new RollbackWithUserErrors([userError(UserErrorCode.ORDER_NOT_OPEN, `The order is ${existing.status}: it can no longer be canceled.`, ['id'])]);
      });
    },

    async cancelAllOrders(accountId, market, apiKeyId = null, placedBy = null) {
      if (market !== null && !MARKETS.has(market)) return fail(userError(UserErrorCode.UNKNOWN_MARKET, `Unknown market "${market.slice(0, 32)}". See the markets query.`, ['market']));
      let placedByApiKeyId: string | undefined;
      if (placedBy !== null) {
        const key = await findOwnedApiKey(uow.repo, accountId, placedBy);
        if (key === null) return fail(userError(UserErrorCode.API_KEY_NOT_FOUND, 'No such API key.', ['apiKeyId']));
        placedByApiKeyId = key.id;
      }
      const scope = market !== null ? [market] : [...MARKETS.keys()];
      return transact(uow, async (repo) => {
        // Only the markets where the scope has live orders, each locked, in one fixed order (no
        // deadlock with placements or other cancels): a cancel that finds nothing live takes no
        // lock every placement waits for (diff review: per-key exit limits let one account send
        // 30 times as many). An order placed meanwhile in another market was placed concurrently,
        // as one that waited for the lock of a market locked here would have been.
        const live = new Set(await repo.liveOrderMarkets(accountId, placedByApiKeyId));
        const markets = scope.filter((symbol) => live.has(symbol)).sort();
        if (markets.length === 0) return [];
        for (const symbol of markets) await repo.lockMarket(symbol);
        return cancelLocked(repo, { accountId, markets, placedByApiKeyId, reason: 'CANCELED_BY_USER', apiKeyId, at: clock() });
      });
    },

    async findOrder(accountId, orderIdText) {
      const orderId = canonicalUuid(orderIdText);
      const order = orderId === null ? null : await uow.repo.findOrder(orderId);
      return order && order.accountId === accountId ? order : null;
    },

    async findOrders(accountId, orderIdTexts) {
      const orderIds = orderIdTexts.map(canonicalUuid);
      const found = await uow.repo.findOrdersOfAccount(accountId, orderIds.filter((id): id is string => id !== null));
      const byId = new Map(found.map((order) => [order.id, order]));
      return orderIds.map((id) => (id === null ? null : byId.get(id) ?? null));
    },

    findOrderByClientOrderId(accountId, clientOrderId) {
      return uow.repo.findOrderByClientOrderId(accountId, clientOrderId);
    },

    listOrders(accountId, query) {
      return uow.repo.listOrders(accountId, query);
    },

    listAccountFills(accountId, query) {
      return uow.repo.listFills({ ...query, accountId });
    },

    listOrderFills(order, query) {
      return uow.repo.listFills({ ...query, orderId: order.id });
    },

    listFillsOfOrders(orders, query) {
      return uow.repo.listFillsOfOrders(orders.map((o) => o.id), query);
    },
  };
}
