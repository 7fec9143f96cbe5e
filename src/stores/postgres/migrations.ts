import { IDEMPOTENCY_RECORDS_DDL } from '@signet/idempotency-postgres';
import { ASSET_CODES, EXTERNAL_ACCOUNT_ID, FEE_ACCOUNT_ID } from '../../domain';
import type { SqlDriver } from './sql-driver';

/**
 * Schema migrations, applied in order, each once. Balances can never go negative: the
 * CHECK constraints are the last line of defence behind the conditional updates in code.
 */
export interface Migration { readonly version: number; readonly sql: string }

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE accounts (
        id uuid PRIMARY KEY,
        name text NOT NULL UNIQUE,
        kind text NOT NULL DEFAULT 'USER' CHECK (kind IN ('USER', 'EXTERNAL')),
        created_at timestamptz NOT NULL
      );
      INSERT INTO accounts (id, name, kind, created_at) VALUES ('${EXTERNAL_ACCOUNT_ID}', '__external__', 'EXTERNAL', now());
      CREATE TABLE balances (
        account_id uuid NOT NULL REFERENCES accounts (id),
        asset text NOT NULL,
        available numeric(38, 18) NOT NULL DEFAULT 0 CHECK (available >= 0),
        held numeric(38, 18) NOT NULL DEFAULT 0 CHECK (held >= 0),
        PRIMARY KEY (account_id, asset)
      );
      CREATE TABLE journals (
        id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('DEPOSIT', 'ORDER_HOLD', 'ORDER_RELEASE', 'TRANSFER')),
        reference text,
        created_at timestamptz NOT NULL
      );
      CREATE TABLE ledger_entries (
        id bigserial PRIMARY KEY,
        journal_id uuid NOT NULL REFERENCES journals (id),
        account_id uuid NOT NULL REFERENCES accounts (id),
        asset text NOT NULL,
        bucket text NOT NULL CHECK (bucket IN ('available', 'held')),
        amount numeric(38, 18) NOT NULL CHECK (amount <> 0)
      );
      CREATE INDEX ledger_entries_account_asset ON ledger_entries (account_id, asset);
      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        seq bigserial NOT NULL UNIQUE,
        account_id uuid NOT NULL REFERENCES accounts (id),
        market text NOT NULL,
        side text NOT NULL CHECK (side IN ('BUY', 'SELL')),
        type text NOT NULL CHECK (type IN ('LIMIT')),
        price numeric(38, 18) NOT NULL CHECK (price > 0),
        quantity numeric(38, 18) NOT NULL CHECK (quantity > 0),
        client_order_id text,
        status text NOT NULL CHECK (status IN ('OPEN', 'CANCELED')),
        hold_asset text NOT NULL,
        hold_amount numeric(38, 18) NOT NULL CHECK (hold_amount > 0),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (account_id, client_order_id)
      );
      CREATE INDEX orders_account_seq ON orders (account_id, seq DESC);
      CREATE TABLE transfers (
        id uuid PRIMARY KEY,
        seq bigserial NOT NULL UNIQUE,
        from_account_id uuid NOT NULL REFERENCES accounts (id),
        to_account_id uuid NOT NULL REFERENCES accounts (id),
        asset text NOT NULL,
        amount numeric(38, 18) NOT NULL CHECK (amount > 0),
        memo text,
        created_at timestamptz NOT NULL,
        CHECK (from_account_id <> to_account_id)
      );
      CREATE INDEX transfers_from_seq ON transfers (from_account_id, seq DESC);
      CREATE INDEX transfers_to_seq ON transfers (to_account_id, seq DESC);
      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        account_id uuid NOT NULL REFERENCES accounts (id),
        label text NOT NULL,
        scopes text[] NOT NULL,
        algorithm text NOT NULL CHECK (algorithm IN ('ed25519', 'hmac-sha256')),
        public_key text,
        secret_ciphertext text,
        created_at timestamptz NOT NULL,
        last_used_at timestamptz,
        revoked_at timestamptz,
        CHECK ((algorithm = 'ed25519' AND public_key IS NOT NULL AND secret_ciphertext IS NULL)
            OR (algorithm = 'hmac-sha256' AND secret_ciphertext IS NOT NULL AND public_key IS NULL))
      );
      CREATE INDEX api_keys_account ON api_keys (account_id);
    `,
  },
  {
    // Durable @idempotent records, as @signet/idempotency-postgres defines their table (the same
    // table this migration has always created: existing databases skip it by its version).
    version: 2,
    sql: IDEMPOTENCY_RECORDS_DDL,
  },
  {
    // Matching: order types and options, fill state, the fee account, fills, a lock and sequence per
    // market's book, and indexes over live orders only (history never slows the book or open orders).
    version: 3,
    sql: `
      ALTER TABLE accounts DROP CONSTRAINT accounts_kind_check;
      ALTER TABLE accounts ADD CONSTRAINT accounts_kind_check CHECK (kind IN ('USER', 'EXTERNAL', 'FEES'));
      INSERT INTO accounts (id, name, kind, created_at) VALUES ('${FEE_ACCOUNT_ID}', '__fees__', 'FEES', now());
      INSERT INTO balances (account_id, asset) VALUES ${ASSET_CODES.map((code) => `('${FEE_ACCOUNT_ID}', '${code}')`).join(', ')};
      ALTER TABLE journals DROP CONSTRAINT journals_kind_check;
      ALTER TABLE journals ADD CONSTRAINT journals_kind_check CHECK (kind IN ('DEPOSIT', 'ORDER_HOLD', 'ORDER_RELEASE', 'TRANSFER', 'TRADE'));
      ALTER TABLE orders DROP CONSTRAINT orders_type_check;
      ALTER TABLE orders DROP CONSTRAINT orders_status_check;
      ALTER TABLE orders DROP CONSTRAINT orders_hold_amount_check;
      ALTER TABLE orders ALTER COLUMN price DROP NOT NULL;
      ALTER TABLE orders DROP CONSTRAINT orders_quantity_check;
      ALTER TABLE orders
        ADD COLUMN quote_quantity numeric(38, 18) CHECK (quote_quantity > 0),
        ADD COLUMN time_in_force text NOT NULL DEFAULT 'GTC' CHECK (time_in_force IN ('GTC', 'IOC', 'FOK')),
        ADD COLUMN post_only boolean NOT NULL DEFAULT false,
        ADD COLUMN self_trade_prevention text NOT NULL DEFAULT 'CANCEL_NEWEST' CHECK (self_trade_prevention IN ('CANCEL_NEWEST', 'CANCEL_OLDEST', 'CANCEL_BOTH')),
        ADD COLUMN status_reason text CHECK (status_reason IN ('CANCELED_BY_USER', 'SELF_TRADE_PREVENTION', 'IOC_REMAINDER', 'FOK_NOT_FILLABLE', 'MARKET_REMAINDER')),
        ADD COLUMN filled_quantity numeric(38, 18) NOT NULL DEFAULT 0,
        ADD COLUMN filled_quote numeric(38, 18) NOT NULL DEFAULT 0,
        ADD COLUMN hold_remaining numeric(38, 18) NOT NULL DEFAULT 0;
      UPDATE orders SET hold_remaining = hold_amount WHERE status = 'OPEN';
      UPDATE orders SET status_reason = 'CANCELED_BY_USER' WHERE status = 'CANCELED';
      ALTER TABLE orders
        ADD CONSTRAINT orders_type_check CHECK (type IN ('LIMIT', 'MARKET') AND (type = 'LIMIT') = (price IS NOT NULL)),
        -- A MARKET BUY by quoteQuantity records what it bought as its quantity: 0 when it bought nothing.
        ADD CONSTRAINT orders_quantity_check CHECK (quantity > 0 OR quote_quantity IS NOT NULL),
        ADD CONSTRAINT orders_status_check CHECK (status IN ('OPEN', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'EXPIRED')),
        ADD CONSTRAINT orders_hold_check CHECK (hold_amount >= 0 AND hold_remaining >= 0 AND hold_remaining <= hold_amount),
        ADD CONSTRAINT orders_fill_check CHECK (filled_quantity >= 0 AND filled_quantity <= quantity AND filled_quote >= 0);
      CREATE INDEX orders_live_account ON orders (account_id, seq DESC) WHERE status IN ('OPEN', 'PARTIALLY_FILLED');
      CREATE INDEX orders_live_asks ON orders (market, price, seq) WHERE side = 'SELL' AND status IN ('OPEN', 'PARTIALLY_FILLED');
      CREATE INDEX orders_live_bids ON orders (market, price DESC, seq) WHERE side = 'BUY' AND status IN ('OPEN', 'PARTIALLY_FILLED');
      CREATE TABLE market_books (
        market text PRIMARY KEY,
        sequence bigint NOT NULL DEFAULT 0
      );
      CREATE TABLE fills (
        id uuid PRIMARY KEY,
        seq bigserial NOT NULL UNIQUE,
        trade_id uuid NOT NULL,
        order_id uuid NOT NULL REFERENCES orders (id),
        account_id uuid NOT NULL REFERENCES accounts (id),
        market text NOT NULL,
        side text NOT NULL CHECK (side IN ('BUY', 'SELL')),
        price numeric(38, 18) NOT NULL CHECK (price > 0),
        quantity numeric(38, 18) NOT NULL CHECK (quantity > 0),
        quote_amount numeric(38, 18) NOT NULL CHECK (quote_amount >= 0),
        fee numeric(38, 18) NOT NULL CHECK (fee >= 0),
        fee_asset text NOT NULL,
        liquidity text NOT NULL CHECK (liquidity IN ('MAKER', 'TAKER')),
        created_at timestamptz NOT NULL,
        UNIQUE (trade_id, liquidity)
      );
      CREATE INDEX fills_account_seq ON fills (account_id, seq DESC);
      CREATE INDEX fills_order_seq ON fills (order_id, seq DESC);
      CREATE INDEX fills_market_trades ON fills (market, seq DESC) WHERE liquidity = 'TAKER';
      CREATE INDEX fills_market_time ON fills (market, created_at) WHERE liquidity = 'TAKER'
    `,
  },
  {
    // An order that fills or is canceled leaves its previous row version, and its entry in the
    // live-order indexes, until a vacuum: every book read walks past them. Autovacuum's default
    // (50 rows + 20% of the table) lets a table of a million orders gather 200,000 of them; these
    // thresholds keep it near 2%. PGlite has no autovacuum and applies the same numbers itself
    // (pglite-vacuum.ts); there the setting is inert.
    version: 4,
    sql: `
      ALTER TABLE orders SET (autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_scale_factor = 0.02)
    `,
  },
  {
    // A known value sealed under the master key the database is set up with (its first start
    // with a key, or `signet master-key adopt`): every start checks its key against it, so a
    // process with another key is stopped even while no live HMAC secret would tell.
    version: 5,
    sql: `
      CREATE TABLE master_key_check (
        id smallint PRIMARY KEY CHECK (id = 1),
        sealed text NOT NULL,
        set_at timestamptz NOT NULL DEFAULT now()
      )
    `,
  },
  {
    // Deposits: what each one credited (a lookup by reference reads this, not the ledger, whose
    // entries have no index by journal) and its external reference, unique: the index, not a read
    // first, decides that a reference is posted once, concurrent deposits included. NULLs are
    // distinct: deposits without a reference never conflict. Journals posted before this migration
    // (and by a previous release during a rolling upgrade) have no record; reconcile() checks every
    // record against its journal.
    version: 6,
    sql: `
      CREATE TABLE deposits (
        journal_id uuid PRIMARY KEY REFERENCES journals (id),
        reference text CONSTRAINT deposits_reference_key UNIQUE CHECK (length(reference) BETWEEN 1 AND 128),
        account_id uuid NOT NULL REFERENCES accounts (id),
        asset text NOT NULL,
        amount numeric(38, 18) NOT NULL CHECK (amount > 0),
        created_at timestamptz NOT NULL
      )
    `,
  },
  {
    // A transfer's clientTransferId, the sender's own id (as orders' clientOrderId): unique per
    // sending account, so a transfer retried after the idempotency retention is refused, not made
    // again. NULLs are distinct: transfers without one never conflict. The index also serves the
    // lookup by it. (Building it scans transfers under a SHARE lock: new transfers wait for it.)
    version: 7,
    sql: `
      ALTER TABLE transfers ADD COLUMN client_transfer_id text CHECK (length(client_transfer_id) BETWEEN 1 AND 64);
      ALTER TABLE transfers ADD CONSTRAINT transfers_from_account_id_client_transfer_id_key UNIQUE (from_account_id, client_transfer_id)
    `,
  },
  {
    // Which API key made an order or a transfer: the key whose signed request placed or sent it,
    // for the account's own audit (a leaked key's orders and transfers can be listed). NULL for an
    // operator's placement (CLI, demo seed) and for rows older than this migration. No foreign
    // key: keys are revoked, never deleted, and the check would cost every placement a lookup.
    // Adding a nullable column with no default rewrites nothing (no table scan, a brief lock).
    version: 8,
    sql: `
      ALTER TABLE orders ADD COLUMN api_key_id text;
      ALTER TABLE transfers ADD COLUMN api_key_id text
    `,
  },
  {
    // Which API key canceled an order: the key of the cancelOrder / cancelAllOrders request, or of
    // the placement whose self-trade prevention canceled it. With api_key_id, a leaked key's whole
    // trail on the book can be listed (what it placed and what it ended). NULL while an order is
    // live, when it filled or ended by its own terms, and for orders ended before this migration.
    // A nullable column with no default: no rewrite, no scan.
    version: 9,
    sql: `ALTER TABLE orders ADD COLUMN canceled_by_api_key_id text`,
  },
  {
    // Which API key made or revoked a key: a leaked MANAGE_KEYS key can mint keys to keep its
    // access, and the account must be able to find them (and see which key revoked which). NULL
    // for an operator's (CLI, demo seed), for a key still live (revoked_by) and for rows older than
    // this migration. Nullable columns with no default: no rewrite, no scan.
    version: 10,
    sql: `
      ALTER TABLE api_keys ADD COLUMN created_by_api_key_id text;
      ALTER TABLE api_keys ADD COLUMN revoked_by_api_key_id text
    `,
  },
  {
    // Each market's traded volume per minute (UTC), so the public ticker's 24-hour volume sums at
    // most 1,440 rows whatever the market trades: summed from the fills, it read every trade of the
    // day (0.45 s of database CPU per call at 1,000,000 trades a day, and 15 aliases in one
    // anonymous request). A trigger on fills keeps the totals, in the statement that inserts the
    // fills, whoever inserts them: this release's placements, a process of the previous release
    // still serving during a rolling upgrade, a bulk load. The totals are kept from the minute in
    // market_volume_since on: the trades of the last 25 hours (what the ticker reads, and a margin)
    // are counted here, from each market's trade-time index, while CREATE TRIGGER holds inserts
    // into fills (about 0.4 s at 1,000,000 trades a day), so no trade is missed or counted twice;
    // older minutes were never read by anything and would have held trading back for a scan of
    // the whole history. The function keeps the migration's search_path, so a session with another
    // one (an operator's psql naming the schema) inserting fills still counts into this schema's
    // totals. (The function's body has no semicolon at a line's end: the migration runner splits
    // statements there.)
    version: 11,
    sql: `
      CREATE TABLE market_volume_minutes (
        market text NOT NULL,
        minute timestamptz NOT NULL,
        base_volume numeric NOT NULL CHECK (base_volume > 0),
        trades bigint NOT NULL CHECK (trades > 0),
        PRIMARY KEY (market, minute)
      );
      CREATE TABLE market_volume_since (since timestamptz NOT NULL);
      CREATE FUNCTION signet_count_trade_volume() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$ BEGIN
        INSERT INTO market_volume_minutes AS v (market, minute, base_volume, trades)
          SELECT market, date_trunc('minute', created_at, 'UTC'), SUM(quantity), COUNT(*) FROM inserted_fills WHERE liquidity = 'TAKER' GROUP BY 1, 2
          ON CONFLICT (market, minute) DO UPDATE SET base_volume = v.base_volume + EXCLUDED.base_volume, trades = v.trades + EXCLUDED.trades; RETURN NULL; END $$;
      CREATE TRIGGER fills_trade_volume AFTER INSERT ON fills REFERENCING NEW TABLE AS inserted_fills
        FOR EACH STATEMENT EXECUTE FUNCTION signet_count_trade_volume();
      INSERT INTO market_volume_since (since) SELECT date_trunc('minute', now() - interval '25 hours', 'UTC');
      INSERT INTO market_volume_minutes (market, minute, base_volume, trades)
        SELECT f.market, date_trunc('minute', f.created_at, 'UTC'), SUM(f.quantity), COUNT(*)
        FROM market_books b JOIN fills f ON f.market = b.market AND f.liquidity = 'TAKER' AND f.created_at >= (SELECT since FROM market_volume_since)
        GROUP BY 1, 2
    `,
  },
  {
    // Every read of fills is by market, account or order, newest first, each with its own index
    // (fills_market_trades, fills_account_seq, fills_order_seq). The index of every fill by
    // sequence served none of them, but the planner took it for a market or an account that
    // trades less than others (walking it newest first and filtering), reading every newer fill of
    // the others: 2,000,000 rows, 0.4 s, for a market 1,000,000 trades behind. The sequence stays
    // unique as its sequence generator makes it.
    version: 12,
    sql: `ALTER TABLE fills DROP CONSTRAINT fills_seq_key`,
  },
];

/** How many migrations a new database receives: `migrate` returning this means the database was empty. */
export const MIGRATION_COUNT = MIGRATIONS.length;

/** Where a database's schema stands against this release's migrations. */
export interface SchemaState {
  /** False when the database has no Signet schema at all (nothing was ever migrated). */
  readonly exists: boolean;
  /** Migrations of this release not yet applied, in order. */
  readonly pending: readonly number[];
  /** Versions applied that this release does not know: a newer release migrated the database. */
  readonly unknown: readonly number[];
}

/** A database migrated by a newer release, where a check must not run (`signet reconcile`): it would not know the schema. */
export class SchemaTooNewError extends Error {
  constructor(readonly unknown: readonly number[], latest: number) {
    super(`The database's schema has migration ${Math.max(...unknown)}, and this release of Signet knows migrations up to ${latest}: a newer release upgraded it. Use that release's signet.`);
    this.name = 'SchemaTooNewError';
  }
}

/** How long a migration's statement waits for a table lock before the migration backs off and tries again. */
export const MIGRATION_LOCK_TIMEOUT_MS = 5_000;
/** Waits between the attempts of a migration that could not get its table locks; the last repeats. */
const MIGRATION_RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000] as const;
/** Attempts before start-up gives up on a table lock it cannot get (about 5 minutes of trying). */
const MIGRATION_ATTEMPTS = 25;

/** What {@link migrate} tells its caller, and its knobs for tests. */
export interface MigrateOptions {
  /** Before each migration runs. */
  readonly onApply?: (version: number) => void;
  /** The database has migrations this release does not know (a newer release's, during a rollout or after a rollback). */
  readonly onUnknown?: (versions: readonly number[]) => void;
  /** A migration could not get a table lock within the lock timeout: rolled back, tried again after `delayMs`. */
  readonly onLockBusy?: (attempt: number, delayMs: number) => void;
  /** Tests only. */
  readonly migrations?: readonly Migration[];
  readonly lockTimeoutMs?: number;
  readonly retryDelaysMs?: readonly number[];
  readonly attempts?: number;
}

async function readSchemaState(db: { query<R>(text: string, params?: readonly unknown[]): Promise<R[]> }, migrations: readonly Migration[]): Promise<SchemaState> {
  const [table] = await db.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  const applied = new Set(table?.present ? (await db.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)) : []);
  const known = new Set(migrations.map((m) => m.version));
  return {
    exists: table?.present === true,
    pending: migrations.filter((m) => !applied.has(m.version)).map((m) => m.version),
    unknown: [...applied].filter((v) => !known.has(v)).sort((a, b) => a - b),
  };
}

/** Where the database's schema stands, without changing it (operator checks that must not migrate). */
export async function schemaState(driver: SqlDriver, options: { migrations?: readonly Migration[] } = {}): Promise<SchemaState> {
  return readSchemaState(driver, options.migrations ?? MIGRATIONS);
}

/**
 * Brings the schema up to date; returns how many migrations it applied. Safe when several
 * processes start at once (advisory lock: the others wait, then find nothing to do). A database
 * that also has migrations this release does not know (a newer release migrated it: the old
 * release restarting during a rollout, or a rollback) is run on as it is, and `onUnknown` says so:
 * migrations are additive, and refusing would turn every rollback into a restore.
 *
 * The migration transaction runs without the connection's statement timeout (a request's bound,
 * 5 s on PostgreSQL): a migration over a large table (an UPDATE, a CHECK, an index) takes longer,
 * and a start that always timed out would never come up after an upgrade. The wait for another
 * process's migration is unbounded too: the other one is making progress. A table lock is not:
 * a migration queued for an exclusive lock behind a long reader (a dump, a report) would make every
 * request on that table queue behind it, so it waits at most `lockTimeoutMs` (5 s), rolls back,
 * and tries again after a pause in which the requests run (`onLockBusy`), up to 25 times.
 */
export async function migrate(driver: SqlDriver, options: MigrateOptions = {}): Promise<number> {
  const migrations = options.migrations ?? MIGRATIONS;
  const delays = options.retryDelaysMs ?? MIGRATION_RETRY_DELAYS_MS;
  const attempts = options.attempts ?? MIGRATION_ATTEMPTS;
  const lockTimeoutMs = Math.max(1, Math.floor(options.lockTimeoutMs ?? MIGRATION_LOCK_TIMEOUT_MS));
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await driver.begin(async (tx) => {
        await tx.query('SET LOCAL statement_timeout = 0');
        await tx.query('SELECT pg_advisory_xact_lock(7238001)', [], { unbounded: true });
        await tx.query(`SET LOCAL lock_timeout = ${lockTimeoutMs}`);
        await tx.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
        const state = await readSchemaState(tx, migrations);
        if (state.unknown.length > 0 && attempt === 1) options.onUnknown?.(state.unknown);
        for (const migration of migrations) {
          if (!state.pending.includes(migration.version)) continue;
          options.onApply?.(migration.version);
          for (const statement of migration.sql.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean)) await tx.query(statement, [], { unbounded: true });
          await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [migration.version]);
        }
        return state.pending.length;
      });
    } catch (error) {
      // 55P03 lock_not_available: the lock timeout passed waiting for a table lock.
      if ((error as { code?: unknown }).code !== '55P03' || attempt >= attempts) throw error;
      const delayMs = delays[Math.min(attempt - 1, delays.length - 1)];
      options.onLockBusy?.(attempt, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
