import type { IdempotencyRecord, IdempotencyRecordStore } from '@signet/idempotency';
import { DEFAULT_IDEMPOTENCY_RECORDS_TABLE, checkRecordsTable } from './records-table';
import type { SqlExecutor } from './sql-executor';

const COLUMNS = 'scope_key, fingerprint, outcome, created_at, expires_at';

type Row = Record<string, unknown>;

const toDate = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));

function toRecord(r: Row): IdempotencyRecord {
  return {
    scopeKey: String(r.scope_key), fingerprint: String(r.fingerprint), outcome: String(r.outcome),
    createdAt: toDate(r.created_at), expiresAt: toDate(r.expires_at),
  };
}

/** Options of {@link createSqlIdempotencyRecordStore}. */
export interface SqlIdempotencyRecordStoreOptions {
  /** The records table, created by `idempotencyRecordsDdl(table)`. Defaults to `idempotency_records`. */
  readonly table?: string;
}

/**
 * Durable idempotency records in PostgreSQL (or PGlite), in the table of `idempotencyRecordsDdl`.
 * `db` must route to the transaction running in the caller's async context, the one the
 * host's `TransactionRunner` opened for the effect, so that `save` joins the transaction of the
 * effect it guards (outside a transaction it may run on any connection).
 */
export function createSqlIdempotencyRecordStore(db: SqlExecutor, options: SqlIdempotencyRecordStoreOptions = {}): IdempotencyRecordStore {
  const table = checkRecordsTable(options.table ?? DEFAULT_IDEMPOTENCY_RECORDS_TABLE);
  return {
    async find(scopeKey, now) {
      const rows = await db.query(`SELECT ${COLUMNS} FROM ${table} WHERE scope_key = $1 AND expires_at > $2`, [scopeKey, now], { prepared: true });
      return rows[0] ? toRecord(rows[0]) : null;
    },

    async save(record) {
      // One statement decides the race: a concurrent insert of the same key waits on the primary
      // key until the other transaction ends, then either replaces an expired row or returns no
      // row (a live one won). ON CONFLICT checks the latest committed row, not the statement's
      // snapshot, which is why READ COMMITTED needs no lock before it. The DO UPDATE WHERE makes
      // "expired" relative to this record's time.
      const rows = await db.query(
        `INSERT INTO ${table} (${COLUMNS}) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (scope_key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, outcome = EXCLUDED.outcome,
           created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
         WHERE ${table}.expires_at <= EXCLUDED.created_at
         RETURNING scope_key`,
        [record.scopeKey, record.fingerprint, record.outcome, record.createdAt, record.expiresAt], { prepared: true },
      );
      return rows.length > 0 ? 'saved' : 'conflict';
    },

    async purgeExpired(now, limit) {
      if (!Number.isInteger(limit) || limit <= 0) throw new RangeError(`limit must be a positive integer, got ${limit}`);
      // SKIP LOCKED: concurrent purgers take different rows instead of queueing, and a row that a
      // `save` is replacing right now is left alone. The outer expiry check is a second guard: a
      // live record that replaced an expired one must never be deleted, or its key would run twice.
      const rows = await db.query<{ n: number | string }>(
        `WITH purged AS (
           DELETE FROM ${table}
           WHERE scope_key IN (SELECT scope_key FROM ${table} WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
             AND expires_at <= $1
           RETURNING 1
         )
         SELECT count(*)::int AS n FROM purged`,
        [now, limit],
      );
      return Number(rows[0]?.n ?? 0);
    },

    async hasLive(now) {
      // The index on expires_at (idempotencyRecordsDdl) answers this without a scan.
      const rows = await db.query<{ live: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${table} WHERE expires_at > $1) AS live`, [now]);
      return rows[0]?.live === true;
    },
  };
}
