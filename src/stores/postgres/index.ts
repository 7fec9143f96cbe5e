/** SQL adapters: one repository for PostgreSQL (`pg`) and PGlite, plus the unit of work and migrations. */
export type { QueryOptions, SqlDriver, SqlExecutor } from './sql-driver';
export { createPgDriver, type PgDriverOptions } from './pg-driver';
export { createPgliteDriver } from './pglite-driver';
export { createSqlUnitOfWork } from './sql-unit-of-work';
export { createSqlTradingRepository } from './sql-trading-repository';
export { MIGRATION_COUNT, SchemaTooNewError, migrate, schemaState, type Migration, type SchemaState } from './migrations';
export { embeddedDatabaseExists, openPgliteDataDir, type PgliteDataDir } from './pglite-data-dir';
export { createSqlStores, type SqlStores, type SqlStoresOptions } from './sql-unit-of-work';
export { namingDatabaseUrl } from './connection-errors';
export { keysUsedAfter, latestKeyUseMs } from './key-use-watermark';
export { SearchPathNotApplied, TransactionPoolerRefused, checkSessions } from './session-check';
export { SingleProcessLockHeld, acquireSingleProcessLock, type ServingMode, type SingleProcessLock } from './single-process-lock';
