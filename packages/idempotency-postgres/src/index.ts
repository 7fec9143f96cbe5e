/**
 * @signet/idempotency-postgres: the PostgreSQL (and PGlite) adapter of `@signet/idempotency`'s
 * durable `IdempotencyRecordStore`, over any SQL executor that joins the host's transaction, and
 * the DDL of its table for the host's migrations.
 */
export { createSqlIdempotencyRecordStore, type SqlIdempotencyRecordStoreOptions } from './sql-idempotency-record-store';
export { DEFAULT_IDEMPOTENCY_RECORDS_TABLE, IDEMPOTENCY_RECORDS_DDL, idempotencyRecordsDdl } from './records-table';
export type { SqlExecutor } from './sql-executor';
