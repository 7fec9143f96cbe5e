/**
 * Where the bench runs: PostgreSQL + Redis when BENCH_DATABASE_URL / BENCH_REDIS_URL are set
 * (a dedicated schema, created here and dropped afterwards), else the embedded default (PGlite
 * in a temporary data directory, in-memory security stores).
 */
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { deleteKeysUnder } from './redis-keys';
import { createDomainServices, createSecretBox, type DomainServices, type KeyVersionStore } from '../src/domain';
import type { IdempotencyRecordStore } from '@signet/idempotency';
import { createPgDriver, createPgliteDriver, createSqlStores, migrate, openPgliteDataDir, type SqlDriver, type SqlExecutor } from '../src/stores/postgres';
import { seedSigningAccounts } from './seed';
import type { BenchCredential } from './requests';

/** Signing accounts seeded on PostgreSQL (the embedded server seeds its two demo accounts itself). */
const POSTGRES_ACCOUNTS = 4;

/** The database side of the bench, seen from the bench process. */
export interface BenchDatabase {
  readonly services: DomainServices;
  readonly idempotencyRecords: IdempotencyRecordStore;
  readonly uow: ReturnType<typeof createSqlStores>['uow'];
  /**
   * Services over the same database with the shared key versions (Redis): key material cached as
   * a server on PostgreSQL + Redis does (the runtime). `services` itself reads the key row on
   * PostgreSQL unless BENCH_KEY_CACHE=1.
   */
  servicesWith(keyVersions: KeyVersionStore): DomainServices;
  /** The database's driver kind: `pglite` caches key material without Redis. */
  readonly driverKind: SqlDriver['kind'];
  /** SQL statements sent so far through this process's driver (BEGIN and COMMIT included). */
  sqlStatements(): number;
  /** The driver itself, for bulk seeding (book-seed.ts) and checks in SQL. */
  readonly driver: SqlDriver;
  close(): Promise<void>;
}

/** Wraps a driver to count the statements it sends: each one is a round trip to the database. */
function countingDriver(driver: SqlDriver): SqlDriver & { statements(): number } {
  let statements = 0;
  const counted = (executor: SqlExecutor): SqlExecutor => ({
    query: (text, params, options) => {
      statements += 1;
      return executor.query(text, params, options);
    },
  });
  return {
    ...counted(driver), kind: driver.kind, ping: () => driver.ping(), close: () => driver.close(), statements: () => statements,
    begin: (work) => {
      statements += 2; // BEGIN and COMMIT (or ROLLBACK)
      return driver.begin((tx) => work(counted(tx)));
    },
  };
}

/**
 * The services the bench uses, and how to point servers at them. The bench process's own
 * services cache verification keys on PGlite as the runtime does; BENCH_KEY_CACHE=0 turns that off
 * (for before/after figures in one run of bench/profile/in-process.ts), BENCH_KEY_CACHE=1 turns it on
 * over PostgreSQL too (this one process revokes nothing while it measures; servers on PostgreSQL
 * cache only with Redis: `servicesWith`).
 */
export interface BenchEnv {
  /** `embedded` (PGlite + memory), `services` (PostgreSQL + Redis) or a mix, for the report. */
  readonly label: string;
  readonly databaseUrl?: string;
  readonly redisUrl?: string;
  /**
   * With Redis and the shared PostgreSQL schema: the idempotency key prefix its servers use (one
   * per database, as SIGNET_IDEMPOTENCY_REDIS_PREFIX asks), so an in-process measurement on that
   * database shares their completeness marker.
   */
  readonly idempotencyRedisPrefix?: string;
  /** Environment for one server process; embedded: a fresh data directory per call. */
  serverEnv(): Record<string, string>;
  /** Signing credentials valid on a server started with `env` (embedded: its demo accounts). */
  credentialsFor(env: Record<string, string>): Promise<BenchCredential[]>;
  /** A database the bench process itself may use (PostgreSQL: the shared schema; else a PGlite on a fresh data directory). */
  openLocalDatabase(): Promise<BenchDatabase & { credentials: BenchCredential[] }>;
  /**
   * Runs `work` on the database of the server started with `serverEnv`: PostgreSQL, the shared
   * schema; embedded, its data directory (only while no server has it open: stop it first).
   */
  withServerDatabase<T>(serverEnv: Record<string, string>, work: (db: BenchDatabase) => Promise<T>): Promise<T>;
  /**
   * A new empty database (migrated, no accounts) for in-process measurements that compare two
   * databases: PostgreSQL, a schema of its own; else an in-memory PGlite. Dropped by `close`.
   */
  openScratchDatabase(): Promise<BenchDatabase>;
  /** Drops the schema and removes temporary directories. */
  close(): Promise<void>;
}

function databaseOver(raw: SqlDriver, masterKey: Buffer): BenchDatabase {
  const driver = countingDriver(raw);
  const sql = createSqlStores(driver);
  const secretBox = createSecretBox(masterKey);
  return {
    // No open-order limit, as the bench's servers (BENCH_MAX_OPEN_ORDERS in servers.ts).
    services: createDomainServices({ uow: sql.uow, secretBox, maxOpenOrders: null, cacheVerificationKeys: process.env.BENCH_KEY_CACHE === '1' || (raw.kind === 'pglite' && process.env.BENCH_KEY_CACHE !== '0') }), idempotencyRecords: sql.idempotencyRecords, uow: sql.uow,
    driverKind: raw.kind,
    servicesWith: (keyVersions) => createDomainServices({ uow: sql.uow, secretBox, keyVersions, maxOpenOrders: null }),
    sqlStatements: driver.statements, driver: raw, close: () => driver.close(),
  };
}

/** Reads the mode from BENCH_DATABASE_URL / BENCH_REDIS_URL and prepares it. */
export async function openBenchEnv(env: NodeJS.ProcessEnv = process.env): Promise<BenchEnv> {
  const databaseUrl = env.BENCH_DATABASE_URL || undefined;
  const redisUrl = env.BENCH_REDIS_URL || undefined;
  const masterKey = randomBytes(32);
  const tempDirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-bench-'));
    tempDirs.push(dir);
    return dir;
  };
  const label = databaseUrl && redisUrl ? 'services' : !databaseUrl && !redisUrl ? 'embedded' : databaseUrl ? 'postgres+memory' : 'pglite+redis';

  let schema: string | undefined;
  const scratchSchemas: string[] = [];
  const adminQuery = async (text: string) => {
    const admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      await admin.query(text);
    } finally {
      await admin.end();
    }
  };
  let pgUrl: string | undefined;
  let shared: (BenchDatabase & { credentials: BenchCredential[] }) | undefined;
  if (databaseUrl) {
    schema = `bench_${randomBytes(6).toString('hex')}`;
    await adminQuery(`CREATE SCHEMA ${schema}`);
    const url = new URL(databaseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    pgUrl = url.toString();
    const driver = createPgDriver({ url: databaseUrl, schema, maxConnections: 4 });
    await migrate(driver);
    const db = databaseOver(driver, masterKey);
    shared = { ...db, credentials: await seedSigningAccounts(db.services, POSTGRES_ACCOUNTS) };
  }

  // Each database gets its own idempotency namespace in Redis: the shared schema one, every
  // embedded data directory another (a marker vouches for one database's records).
  const sharedIdempotencyPrefix = redisUrl && schema ? `signet:bench:${schema}:idem:` : undefined;
  const idempotencyPrefixes: string[] = [];
  const idempotencyPrefixFor = (): string => {
    const prefix = sharedIdempotencyPrefix ?? `signet:bench:${randomBytes(6).toString('hex')}:idem:`;
    if (!idempotencyPrefixes.includes(prefix)) idempotencyPrefixes.push(prefix);
    return prefix;
  };
  return {
    label, databaseUrl, redisUrl, idempotencyRedisPrefix: sharedIdempotencyPrefix,
    serverEnv() {
      const db: Record<string, string> = pgUrl ? { DATABASE_URL: pgUrl, SIGNET_MASTER_KEY: masterKey.toString('base64') } : { SIGNET_DATA_DIR: tempDir() };
      return { ...db, ...(redisUrl ? { REDIS_URL: redisUrl, SIGNET_IDEMPOTENCY_REDIS_PREFIX: idempotencyPrefixFor() } : {}) };
    },
    async credentialsFor(serverEnv) {
      if (shared) return shared.credentials;
      // A new embedded database seeds alice and bob and saves their keys here (demo-seed.ts).
      const demo = JSON.parse(readFileSync(join(serverEnv.SIGNET_DATA_DIR, 'demo-credentials.json'), 'utf8')) as { credentials: BenchCredential[] };
      return demo.credentials.map(({ accountId, keyId, privateKey }) => ({ accountId, keyId, privateKey }));
    },
    async openLocalDatabase() {
      if (shared) return { ...shared, close: async () => undefined };
      // On a data directory, as the servers run (in memory, Emscripten's MEMFS copies a whole file each
      // time it grows one past 1 MB, which the servers never do; ANALYSIS.md, 16th pass).
      const driver = await createPgliteDriver(join(tempDir(), 'pgdata'));
      await migrate(driver);
      const db = databaseOver(driver, masterKey);
      return { ...db, credentials: await seedSigningAccounts(db.services, 1) };
    },
    async withServerDatabase(serverEnv, work) {
      if (shared) return work(shared);
      const dataDir = openPgliteDataDir(serverEnv.SIGNET_DATA_DIR);
      try {
        const driver = await createPgliteDriver(dataDir.pgdataPath);
        try {
          await migrate(driver);
          if (!dataDir.masterKey) throw new Error(`${serverEnv.SIGNET_DATA_DIR} holds a database but no master.key`);
          return await work(databaseOver(driver, dataDir.masterKey));
        } finally {
          await driver.close();
        }
      } finally {
        dataDir.release();
      }
    },
    async openScratchDatabase() {
      if (!databaseUrl) {
        const driver = await createPgliteDriver();
        await migrate(driver);
        return databaseOver(driver, masterKey);
      }
      const scratch = `${schema}_${scratchSchemas.length + 1}`;
      await adminQuery(`CREATE SCHEMA ${scratch}`);
      scratchSchemas.push(scratch);
      const driver = createPgDriver({ url: databaseUrl, schema: scratch, maxConnections: 2 });
      await migrate(driver);
      return databaseOver(driver, masterKey);
    },
    async close() {
      await shared?.close();
      if (redisUrl && idempotencyPrefixes.length > 0) {
        const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
        try {
          for (const prefix of idempotencyPrefixes) await deleteKeysUnder(redis, prefix);
        } finally {
          await redis.quit();
        }
      }
      if (databaseUrl && schema) {
        for (const name of [...scratchSchemas, schema]) await adminQuery(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      }
      for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
