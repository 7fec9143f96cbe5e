import type { AssetCode } from './assets';
import type { Dec } from './decimal';
import type { Account, ApiKey, Balance, Deposit, Fill, Journal, Liquidity, Order, OrderSide, OrderStatus, OrderStatusReason, Page, Transfer } from './types';

/** Options for listing a page of rows ordered newest first. */
export interface PageQuery { readonly limit: number; /** Return rows older than this sequence number. */ readonly beforeSeq?: number }

/**
 * Everything the domain needs from storage. One implementation serves PostgreSQL and
 * PGlite (same SQL dialect); a contract suite runs against both.
 */
/**
 * A filtered listing of an account's history (orders by a status other than the live ones, a
 * market or a key; fills by market; transfers by key) reads at most this many of the account's
 * rows per page, newest first from the cursor, whatever the filter; a page cut short sets
 * `Page.continueBeforeSeq`. Without a bound, a filter that matched little among a long history (a
 * key's own id when it placed nothing, a market never traded) read the whole history: a second or
 * more per call at 1,000,000 orders, up to 15 aliased calls a request, so one READ key kept the
 * database busy for every account (read-cost review). 5,000 rows cost a few ms.
 */
export const HISTORY_SCAN_ROWS = 5_000;

export interface TradingRepository {
  /** Inserts an account; false when the name is already taken. */
  insertAccount(account: Account): Promise<boolean>;
  findAccount(id: string): Promise<Account | null>;
  findAccountByName(name: string): Promise<Account | null>;
  /** Balances of every asset for the account (zero rows are included). */
  listBalances(accountId: string): Promise<Balance[]>;
  /**
   * Records a balanced journal and applies it to balances. Returns false, having possibly
   * written part of it, when a balance would go negative: the caller must roll back.
   */
  postJournal(journal: Journal): Promise<boolean>;

  /**
   * Records several balanced journals at once (one statement, however many): the same outcome as
   * posting them one after another; false when a balance would go negative at any point, and the
   * caller must roll back.
   */
  postJournals(journals: readonly Journal[]): Promise<boolean>;

  /**
   * Posts a deposit: its DEPOSIT journal, the credit to the account's balance, and its record (the
   * `Deposit`, with `reference`). A reference is unique among deposits, and its unique index
   * decides, not a read first: when a deposit already holds it (concurrent ones included: this
   * waits for one still in progress to commit or roll back), nothing is written and that deposit
   * comes back with `posted: false`. Without a reference it always posts.
   */
  recordDeposit(deposit: Deposit, journal: Journal): Promise<{ readonly posted: boolean; readonly deposit: Deposit }>;
  /** The deposit recorded with this reference, or null. */
  findDepositByReference(reference: string): Promise<Deposit | null>;

  /**
   * Takes the market's lock until the transaction ends and advances its book sequence, which it
   * returns: every change to a market's book (placement, cancel) holds this lock, so matching in
   * one market is serialized across every process sharing the database. Waiters get it in the
   * order they asked (a queue, not a race), so no placement waits much longer than the others.
   */
  lockMarket(market: string): Promise<number>;
  /**
   * Locks the market of this account's order (as lockMarket) while the order is live; an ended
   * order's market is named but not locked (an ended order never changes). Null when the account
   * has no such order.
   */
  lockMarketOfOrder(orderId: string, accountId: string): Promise<{ readonly market: string; readonly live: boolean } | null>;
  /** The markets in which the account has live orders (only those `placedByApiKeyId` placed, when given), without a lock. */
  liveOrderMarkets(accountId: string, placedByApiKeyId?: string): Promise<string[]>;
  /**
   * Live resting orders of one side of a market, best first (SELL: lowest price first; BUY:
   * highest first; then oldest first), within `limitPrice` when given, after the cursor when given.
   */
  readBook(query: { readonly market: string; readonly side: OrderSide; readonly limitPrice: Dec | null; readonly after: { readonly price: Dec; readonly seq: number } | null; readonly limit: number }): Promise<BookEntry[]>;

  /**
   * Writes a placement at once (the caller holds the market lock): the new order in its state
   * after placement (the store assigns `seq`), the resting orders it traded with or canceled, its
   * fills (the store assigns each its `sequence`, increasing in the given order) and its journals
   * (the hold, the trades, the releases; checked as if posted one after another). 'duplicate',
   * with nothing written, when the account already used the clientOrderId. Otherwise the order,
   * and the balance rows that refused their change: when any did, the caller must roll back.
   * Balance rows are locked in postJournals' fixed order, so placements in different markets and
   * transfers never deadlock.
   */
  recordPlacement(placement: PlacementRecord): Promise<{ readonly order: Order; readonly refused: ReadonlyArray<{ readonly accountId: string; readonly asset: string }> } | 'duplicate' | 'tooManyOpenOrders'>;
  findOrder(id: string): Promise<Order | null>;
  /** The account's orders among `ids` (ids as stored), in one read, in no particular order; ids of other accounts' orders or of none are left out. */
  findOrdersOfAccount(accountId: string, ids: readonly string[]): Promise<Order[]>;
  findOrderByClientOrderId(accountId: string, clientOrderId: string): Promise<Order | null>;
  /**
   * Moves live orders to CANCELED with `reason` and zero hold remaining: one order (`orderId`) or
   * every live order of the account in `markets` (only those `placedByApiKeyId` placed, when
   * given), recording `apiKeyId` as the key that canceled them. Returns each with the hold it
   * still had (to release).
   */
  cancelLiveOrders(query: {
    readonly accountId: string; readonly orderId?: string; readonly markets?: readonly string[]; readonly placedByApiKeyId?: string;
    readonly reason: OrderStatusReason; readonly apiKeyId: string | null; readonly at: Date;
  }): Promise<Array<{ order: Order; released: string }>>;
  /** `status`: exactly that status; `live`: OPEN or PARTIALLY_FILLED; `byApiKeyId`: only the orders that key (an id as stored) placed or ended (`canceledByApiKeyId`). */
  listOrders(accountId: string, query: PageQuery & { readonly status?: OrderStatus; readonly live?: boolean; readonly market?: string; readonly byApiKeyId?: string }): Promise<Page<Order>>;
  /** Fills newest first: of an account (optionally one market), of an order, or a market's taker fills (its public trades). */
  listFills(query: PageQuery & ({ readonly accountId: string; readonly market?: string } | { readonly orderId: string; readonly liquidity?: Liquidity } | { readonly market: string; readonly liquidity: 'TAKER' })): Promise<Page<Fill>>;
  /** The fills of each order (newest first, one page each, the same page arguments for all), in the order of `orderIds`: one read for many orders. */
  listFillsOfOrders(orderIds: readonly string[], query: PageQuery): Promise<Array<Page<Fill>>>;
  /** Aggregated price levels of a market's live orders, best first, and the book's sequence, read at one instant. */
  orderBook(market: string, depth: number): Promise<OrderBookSnapshot>;
  /** Last trade, best bid and ask, and base volume of the trades since `since`. */
  ticker(market: string, since: Date): Promise<TickerSnapshot>;

  /**
   * Records a transfer with its journal (the store assigns `seq`, in the order the transfers of each
   * account commit). 'duplicate', with nothing written, when the sending account already used the
   * transfer's clientTransferId (its unique index decides). Returns null, having possibly written
   * part of it, when a balance would go negative: the caller must roll back.
   */
  recordTransfer(transfer: Omit<Transfer, 'seq'>, journal: Journal): Promise<Transfer | 'duplicate' | null>;
  /** Sent and received, newest first; `sentByApiKeyId`: only the transfers the account sent through that key (an id as stored). */
  listTransfers(accountId: string, query: PageQuery & { readonly sentByApiKeyId?: string }): Promise<Page<Transfer>>;
  findTransfer(id: string): Promise<Transfer | null>;
  /** The transfer the account sent with this clientTransferId, or null. */
  findTransferByClientTransferId(fromAccountId: string, clientTransferId: string): Promise<Transfer | null>;

  /**
   * Inserts the key unless its account already holds `maxActive` unrevoked keys (then false, nothing
   * written). Creations for one account are serialized (a row lock on the account that foreign-key
   * checks do not wait for), so concurrent ones never pass the bound together.
   */
  insertApiKey(key: ApiKey, maxActive: number): Promise<boolean>;
  findApiKey(id: string): Promise<ApiKey | null>;
  listApiKeys(accountId: string): Promise<ApiKey[]>;
  /** Id and stored public key (SPKI DER base64) of every unrevoked Ed25519 key, for the start-up weak-key check. */
  listActiveEd25519PublicKeys(): Promise<Array<{ id: string; publicKey: string }>>;
  /** Id and sealed secret of every unrevoked HMAC key, for the start-up check of the master key. */
  listLiveSealedSecrets(): Promise<Array<{ id: string; secretCiphertext: string }>>;
  /** Id, sealed secret and liveness of every HMAC key, revoked ones too, locked until the transaction ends (a master key rotation re-seals them). */
  lockSealedSecrets(): Promise<Array<{ id: string; secretCiphertext: string; live: boolean }>>;
  /** Replaces an HMAC key's sealed secret (the same secret sealed under another master key). */
  replaceSealedSecret(id: string, secretCiphertext: string): Promise<void>;
  /**
   * The master key check (a known value sealed under the database's master key); null before one
   * is set. `lock`: held until the transaction ends; `share` (a seal) makes `signet master-key
   * adopt` and `rotate` wait for it, `update` (a rotation) makes every seal wait.
   */
  readMasterKeyCheck(options?: { lock?: 'share' | 'update' }): Promise<string | null>;
  /** Sets the master key check, only where none is set (`if absent`) or replacing it; returns the check set now. */
  writeMasterKeyCheck(sealed: string, mode: 'if absent' | 'replace'): Promise<string>;
  /**
   * Whether the key is live (exists, not revoked), holding it so until this transaction ends: a
   * concurrent revocation waits for the commit, and one that committed first is seen.
   */
  holdLiveApiKey(id: string): Promise<boolean>;
  /**
   * Sets revokedAt (and the key that revoked it, null for an operator) on an active key of this
   * account; null when there is none. Waits for the transactions holding the key live, and only
   * then reads `at`: the time recorded is when the revocation took effect, never before what
   * those transactions wrote with the key.
   */
  revokeApiKey(id: string, accountId: string, at: () => Date, revokedBy: string | null): Promise<ApiKey | null>;
  /** Records last use for many keys at once (batched so a request never costs a write). */
  touchApiKeys(lastUsed: ReadonlyMap<string, Date>): Promise<void>;

  /** Compares every balance with its ledger and every asset's total with zero. */
  reconcile(): Promise<ReconciliationReport>;
}

/** A live resting order as the book holds it. */
export interface BookEntry { readonly id: string; readonly accountId: string; readonly price: string; readonly remaining: string; readonly seq: number; readonly filledQuantity: string; readonly filledQuote: string; readonly holdRemaining: string }

/** Everything a placement writes, worked out in memory under the market lock. */
export interface PlacementRecord {
  readonly order: Omit<Order, 'seq'>;
  readonly makerUpdates: readonly OrderUpdate[];
  readonly fills: ReadonlyArray<Omit<Fill, 'sequence'>>;
  /** In the order they apply: the hold first, then the trades and the releases. */
  readonly journals: readonly Journal[];
  /**
   * For an order that rests: the most live orders its account may have in its market, this one
   * included (the store counts them under the market lock, so the count is exact); null when the
   * order does not rest or no limit applies.
   */
  readonly openOrderLimit: number | null;
}

/** An order's new state after a placement traded with it or canceled it. */
export interface OrderUpdate {
  readonly id: string;
  readonly status: OrderStatus;
  readonly statusReason: OrderStatusReason | null;
  readonly filledQuantity: string;
  readonly filledQuote: string;
  readonly holdRemaining: string;
  /** The key of the placement that canceled it (self-trade prevention); null when it was not canceled or no key placed. */
  readonly canceledByApiKeyId: string | null;
}

/** One aggregated price level. */
export interface BookLevel { readonly price: string; readonly quantity: string; readonly orderCount: number }
/** A market's book at one instant. */
/**
 * A market's book at one instant: its sequence, the sequence of the last trade it reflects (every
 * trade up to it and none after; null before the market's first trade) and both sides.
 */
export interface OrderBookSnapshot { readonly sequence: number; readonly lastTradeSequence: number | null; readonly bids: readonly BookLevel[]; readonly asks: readonly BookLevel[] }
/** A market's ticker. */
export interface TickerSnapshot { readonly lastPrice: string | null; readonly bestBid: string | null; readonly bestAsk: string | null; readonly volume: string }

/** Result of a ledger reconciliation; empty lists mean the books are consistent. */
export interface ReconciliationReport {
  /** Balances whose stored value differs from the sum of their ledger entries. */
  readonly balanceMismatches: ReadonlyArray<{ accountId: string; asset: AssetCode; stored: string; ledger: string; bucket: 'available' | 'held' }>;
  /** Assets whose ledger entries do not sum to zero across all accounts. */
  readonly unbalancedAssets: ReadonlyArray<{ asset: string; sum: string }>;
  /** Balances whose held amount differs from the remaining holds of their live orders. */
  readonly heldMismatches: ReadonlyArray<{ accountId: string; asset: AssetCode; held: string; openOrderHolds: string }>;
  /**
   * Orders whose filled quantity disagrees with their fills, or is above their quantity, or whose
   * final state still holds funds; fills that disagree with their order (account, side, market, a
   * maker not at its price, a taker past its limit); live orders whose hold no longer covers what
   * they have left; and a market whose live book is crossed (its best bid named).
   */
  readonly orderMismatches: ReadonlyArray<{ orderId: string; problem: string }>;
  /** Assets whose fees in fills differ from what the fee account's ledger received, or for which it holds anything. */
  readonly feeMismatches: ReadonlyArray<{ asset: string; fills: string; ledger: string; held: string }>;
  /** Deposit records (account, asset, amount, reference) that disagree with their DEPOSIT journal's entries. */
  readonly depositMismatches: ReadonlyArray<{ journalId: string; problem: string }>;
  /** Minutes (UTC) of a market whose recorded volume and trade count (the ticker's totals) differ from its trades' fills. */
  readonly volumeMismatches: ReadonlyArray<{ market: string; minute: string; fillVolume: string; fillTrades: number; recordedVolume: string; recordedTrades: number }>;
}

/** How the `transaction()` calls nested inside a top-level transaction run. */
export interface TransactionOptions {
  /**
   * Chosen by the top-level call; a nested call may only repeat its transaction's mode.
   *
   * - `'savepoint'` (default): each nested call is a savepoint, so a nested failure undoes only
   *   its own writes and the enclosing work may go on (two extra statements per nested call).
   * - `'join'`: nested calls run in this transaction with no statement of their own. A nested
   *   failure still propagates as usual (so `transact` still turns it into userErrors), but its
   *   writes cannot be undone alone: it marks the whole transaction rollback-only
   *   ({@link TransactionScope.rollbackOnly}). From then on the transaction refuses statements
   *   (they would see the failed call's partial writes) and can never commit: if the work
   *   returns normally anyway, everything is rolled back and the call rejects. For a caller that
   *   never goes on after a nested failure and rolls back itself: the idempotency layer, which
   *   runs exactly one service call per transaction.
   */
  readonly nested?: 'savepoint' | 'join';
}

/** What the work of a transaction can ask about it. */
export interface TransactionScope {
  /** True once a nested call joined in `'join'` mode failed: the work must end by throwing. */
  readonly rollbackOnly: boolean;
  /**
   * Runs `task` once the top-level transaction has committed, before its `transaction()` call
   * resolves (a nested call's tasks wait for the outermost commit: only then can another
   * connection read the writes). Tasks run in order, each even if one before it failed. A failed
   * task does not change the call's answer: the transaction committed, so the call resolves with
   * its result, and the failure goes to the unit of work's report (the runtime logs it). A
   * rejection means a rollback, which is what a caller such as the idempotency runner relies on.
   * Nothing runs when the transaction rolls back (a task of a nested call whose savepoint alone
   * rolled back still runs: a task must be harmless then). Tasks also run when the COMMIT's outcome
   * is unknown (CommitOutcomeUnknownError: the connection was lost during it), before the call
   * rejects with it, and once more a while later (the COMMIT may still have been under way): the
   * transaction may have committed, so a task must be harmless if it did not, and run twice.
   */
  afterCommit(task: () => Promise<void>): void;
}

/**
 * Runs work atomically. Nested calls join the enclosing transaction (as a savepoint unless the
 * top-level call chose `nested: 'join'`), so an outer layer (the idempotency record) can commit
 * in the same transaction as the effect.
 */
export interface UnitOfWork {
  transaction<T>(work: (repo: TradingRepository, scope: TransactionScope) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Repository for reads outside a transaction (joins the current one when inside). */
  readonly repo: TradingRepository;
}

/** The source of the current time; injectable so tests control it. */
export type Clock = () => Date;

/** The source of new identifiers; injectable for deterministic tests. */
export type IdGenerator = () => string;

/**
 * A version of each API key's verification material, shared by every server process (Redis):
 * what a process's cache of key rows checks its entries against (see verification-key-cache.ts).
 * A version is an opaque random token; it changes when the key is revoked and whenever the store
 * lost it (flush, restart), and never comes back to an earlier value. Only a key id that has an
 * API key row ever gets one: `peek` and `renew` never create a version, `current` is called only
 * once the row was found (or for a key a request already verified with).
 */
export interface KeyVersionStore {
  /** The key's current version, or null when it has none (nothing is written). */
  peek(keyId: string): Promise<string | null>;
  /**
   * The key's current version; a key that has none gets a fresh one first (set only if still
   * absent, atomically: the answer is the version now stored, never one a concurrent writer replaced).
   */
  current(keyId: string): Promise<string>;
  /**
   * Replaces the key's version with a fresh one: every entry stamped with an earlier one is stale
   * from now on. A key with none keeps none (its next version is fresh, which no entry carries).
   */
  renew(keyId: string): Promise<void>;
  /**
   * Calls `listener` whenever the store may have gone back in time: its connection was established
   * again (a restart from a snapshot, a failover to a replica that had not received the last
   * renewals), so a version renewed before may be current again. A store that cannot go back
   * (memory) never calls it.
   */
  onReset?(listener: () => void): void;
}
