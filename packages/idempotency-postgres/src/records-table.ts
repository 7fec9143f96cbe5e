/**
 * The table of durable idempotency records (PostgreSQL dialect, also PGlite). Hosts run the DDL
 * in their own migrations; the store only reads and writes the table.
 */

/** Default table name. */
export const DEFAULT_IDEMPOTENCY_RECORDS_TABLE = 'idempotency_records';

/**
 * A lowercase SQL identifier short enough that its index name (`<table>_expires_at`) stays within
 * PostgreSQL's 63 bytes; names are written into SQL, so nothing else is accepted.
 */
const TABLE_NAME = /^[a-z_][a-z0-9_]{0,51}$/;

/** Returns `table` if it is a usable table name; throws otherwise. */
export function checkRecordsTable(table: string): string {
  if (!TABLE_NAME.test(table)) throw new Error(`idempotency records table must be a lowercase SQL identifier of at most 52 characters, got ${JSON.stringify(table)}`);
  return table;
}

/**
 * The DDL of the records table: two statements, each ending with `;` and a line break. The
 * primary key on `scope_key` is what decides a race between two executions (see the store);
 * the index on `expires_at` keeps purges from scanning the table.
 */
export function idempotencyRecordsDdl(table: string = DEFAULT_IDEMPOTENCY_RECORDS_TABLE): string {
  checkRecordsTable(table);
  return `CREATE TABLE ${table} (
  scope_key text PRIMARY KEY,
  fingerprint text NOT NULL,
  outcome text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX ${table}_expires_at ON ${table} (expires_at);
`;
}

/** The DDL of the default table, `idempotency_records`. */
export const IDEMPOTENCY_RECORDS_DDL = idempotencyRecordsDdl();
