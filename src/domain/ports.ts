import type { AssetCode } from './assets';
import type { Account, ApiKey, Balance, Journal, Order, OrderStatus, Page, Transfer } from './types';

/** Options for listing a page of rows ordered newest first. */
export interface PageQuery { readonly limit: number; /** Return rows older than this sequence number. */ readonly beforeSeq?: number }

/**
 * Everything the domain needs from storage. One implementation serves PostgreSQL and
 * PGlite (same SQL dialect); a contract suite runs against both.
 */
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

  /** Inserts an order (the store assigns `seq`); 'duplicate' when the account already used its clientOrderId. */
  insertOrder(order: Omit<Order, 'seq'>): Promise<Order | 'duplicate'>;
  findOrder(id: string): Promise<Order | null>;
  /** Moves an OPEN order of this account to CANCELED; null when no such open order exists. */
  cancelOpenOrder(id: string, accountId: string, at: Date): Promise<Order | null>;
  listOrders(accountId: string, query: PageQuery & { readonly status?: OrderStatus }): Promise<Page<Order>>;

  /** Inserts a transfer (the store assigns `seq`). */
  insertTransfer(transfer: Omit<Transfer, 'seq'>): Promise<Transfer>;
  listTransfers(accountId: string, query: PageQuery): Promise<Page<Transfer>>;
  findTransfer(id: string): Promise<Transfer | null>;

  insertApiKey(key: ApiKey): Promise<void>;
  findApiKey(id: string): Promise<ApiKey | null>;
  listApiKeys(accountId: string): Promise<ApiKey[]>;
  /** Id and stored public key (SPKI DER base64) of every unrevoked Ed25519 key, for the start-up weak-key check. */
  listActiveEd25519PublicKeys(): Promise<Array<{ id: string; publicKey: string }>>;
  /** Sets revokedAt on an active key of this account; null when there is none. */
  revokeApiKey(id: string, accountId: string, at: Date): Promise<ApiKey | null>;
  /** Records last use for many keys at once (batched so a request never costs a write). */
  touchApiKeys(lastUsed: ReadonlyMap<string, Date>): Promise<void>;

  /** Compares every balance with its ledger and every asset's total with zero. */
  reconcile(): Promise<ReconciliationReport>;
}

/** Result of a ledger reconciliation; empty lists mean the books are consistent. */
export interface ReconciliationReport {
  /** Balances whose stored value differs from the sum of their ledger entries. */
  readonly balanceMismatches: ReadonlyArray<{ accountId: string; asset: AssetCode; stored: string; ledger: string; bucket: 'available' | 'held' }>;
  /** Assets whose ledger entries do not sum to zero across all accounts. */
  readonly unbalancedAssets: ReadonlyArray<{ asset: string; sum: string }>;
  /** Open orders whose hold is not reflected in the held balance. */
  readonly heldMismatches: ReadonlyArray<{ accountId: string; asset: AssetCode; held: string; openOrderHolds: string }>;
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
   * connection read the writes). Tasks run in order; a failing one rejects that call although
   * the transaction is committed. Nothing runs when the transaction rolls back (a task of a
   * nested call whose savepoint alone rolled back still runs: a task must be harmless then).
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
 * lost it (flush, restart), and never comes back to an earlier value.
 */
export interface KeyVersionStore {
  /** The key's current version; a key that has none yet gets a fresh one. */
  current(keyId: string): Promise<string>;
  /** Gives the key a fresh version: every entry stamped with an earlier one is stale from now on. */
  renew(keyId: string): Promise<void>;
}
