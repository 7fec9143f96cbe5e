/**
 * Composition root: opens the database and the Redis or memory security stores, and wires the
 * domain services over them. It reads no environment and builds no logger: `main.ts` hands it the
 * config and the logger.
 */
import type { SignetConfig } from './config';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { adoptMasterKey, createBookPriceSource, createDomainServices, createSecretBox, masterKeyFit, recordMasterKey, unavailableSecretBox, type DomainServices, type MasterKeyFit, type OrderBookReader, type PriceSource, type SecretBox, type UnitOfWork } from './domain';
import type { DirectiveDeps } from './directives';
import { createMemoryIdempotencyStore, declareCompleteIfNoLiveRecords, type IdempotencyFaults, type IdempotencyRecordStore } from '@signet/idempotency';
import { createRedisIdempotencyStore } from '@signet/idempotency-redis';
import {
  MIGRATION_COUNT, SchemaTooNewError, SingleProcessLockHeld, acquireSingleProcessLock, checkSessions, createPgDriver, createPgliteDriver, createSqlStores, embeddedDatabaseExists, keysUsedAfter, latestKeyUseMs, migrate, namingDatabaseUrl, openPgliteDataDir, schemaState,
  type PgliteDataDir, type SingleProcessLock, type SqlDriver,
} from './stores/postgres';
import type { Cluster, Redis } from 'ioredis';
import { createMemoryNonceStore } from '@signet/http-message-signatures';
import { createRedisAdmissionStore, createRedisKeyVersionStore, createRedisNonceStore, createRedisRateLimitStore } from './stores/redis';
import { connectRedis, connectRedisCluster, type ConnectedRedis } from './stores/redis/connection';
import { RedisPermissionError, assertRedisPermissions, checkRedisReadiness, isRedisPermissionRefusal, warnIfRedisMayEvict } from './stores/redis/redis-checks';
import { createAccountPartitionedRateLimitStore, createSequentialAdmissionStore } from './transport/admission';
import { createHttpPriceSource } from './stores/price-feed/http-price-source';
import type { ReadinessCheck } from './transport/http/health';
import { fieldLimitOverrides } from './transport/http/request-limits';
import { createMetrics, type SignetMetrics } from './metrics';
import type { SecurityStores } from './transport/security-stores';
import { currentRequestId } from './transport/request-scope';
import { rotateConfiguredMasterKey, settleStagedMasterKey, type MasterKeyRotationResult } from './master-key-rotation';

// The logger is its own module (a one-shot command builds it without loading the runtime); re-exported for the runtime's callers.
export { createLogger, type LogStream } from './logger';

/** Everything a running process holds: the services over their adapters, and how to close them. */
export interface Runtime {
  readonly config: SignetConfig;
  readonly logger: Logger;
  readonly services: DomainServices;
  readonly driver: SqlDriver;
  readonly security: SecurityStores;
  readonly idempotencyRecords: IdempotencyRecordStore;
  readonly metrics: SignetMetrics;
  /** Stores and policy for the directive transformers. */
  directiveDeps(): DirectiveDeps;
  readonly readiness: readonly ReadinessCheck[];
  /**
   * True when this start created the embedded database: every migration was applied now, so the
   * database was empty (a later migration applied to an existing database does not count).
   * The demo seed runs only then, and only when `config.demoSeed`.
   */
  readonly freshDatabase: boolean;
  /** `signet master-key rotate`: every HMAC secret re-sealed under the new master key (master-key-rotation.ts). Open with `excludeServers`. */
  rotateMasterKey(): Promise<MasterKeyRotationResult>;
  close(): Promise<void>;
}

/**
 * What a start does with a master key that is not the database's, or that opens none of the live
 * HMAC secrets: `refuse` to start (the server, the default); `warn` and seal nothing (operator
 * commands, which must still revoke those keys); or `adopt` it as the database's master key when
 * every live secret opens under it, else refuse (`signet master-key adopt`).
 */
export type MasterKeyMismatch = 'refuse' | 'warn' | 'adopt';

/** How {@link openRuntime} opens: what the server and the operator commands differ in. */
export interface RuntimeOptions {
  /** PostgreSQL's statement timeout for this runtime's connections (default 5 s: a request's bound; an operator's check over the whole ledger needs longer). */
  readonly statementTimeoutMs?: number;
  /** A master key that is not the database's or opens none of the live HMAC secrets: see {@link MasterKeyMismatch}. */
  readonly masterKeyMismatch?: MasterKeyMismatch;
  /**
   * Set by `serve`. On PostgreSQL the runtime then holds the single-process lock: exclusively
   * without Redis (any other server on the database is refused at start-up), shared with Redis (a
   * server without Redis is refused beside it), and calls `onLockLost` once it has lost it for good.
   */
  readonly serving?: { readonly onLockLost: (error: Error) => void };
  /**
   * Set by commands that must not run beside a server (`signet master-key rotate`). On PostgreSQL
   * the runtime then holds the single-process lock exclusively: refused while any server runs on
   * the database, and no server starts until the command closes. Embedded, the data directory's
   * lock does this for every command.
   */
  readonly excludeServers?: boolean;
  /**
   * `migrate` (the default): bring the schema up to date (creating the embedded database if there
   * is none). `existing`: a check that must change nothing (`signet reconcile`): refuse a database
   * that does not exist or whose schema is not this release's, and migrate nothing.
   */
  readonly schema?: 'migrate' | 'existing';
}

/** The database is not one this runtime may use as it is (`schema: 'existing'`): missing, or not at this release's schema. */
export class DatabaseNotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseNotReadyError';
  }
}

/** Refuses a database that is missing or not at this release's schema, changing nothing. */
async function requireCurrentSchema(driver: SqlDriver): Promise<void> {
  const state = await schemaState(driver);
  if (!state.exists) throw new DatabaseNotReadyError('The database has no Signet schema (no server ever started on it): is DATABASE_URL the server\'s database? Nothing was read or changed.');
  if (state.unknown.length > 0) throw new SchemaTooNewError(state.unknown, MIGRATION_COUNT);
  if (state.pending.length > 0) {
    throw new DatabaseNotReadyError(`The database's schema lacks migration ${state.pending.join(', ')} of this release: start this release's server first (it migrates), or use the signet of the release that runs on it. Nothing was changed.`);
  }
}

/** Opens the database (PostgreSQL or embedded PGlite), migrates it and wires the domain services. */
export async function openRuntime(config: SignetConfig, logger: Logger, options: RuntimeOptions & { faults?: IdempotencyFaults } = {}): Promise<Runtime> {
  let driver: SqlDriver;
  let dataDir: PgliteDataDir | null = null;
  // What this process holds while it runs: the embedded data directory's lock, or on PostgreSQL
  // (when serving) the single-process lock, exclusive without Redis and shared with it.
  let releaseProcessLock: () => void | Promise<void> = () => undefined;
  let singleProcess: SingleProcessLock | null = null;
  if (config.databaseUrl) {
    // First of all, before the lock: a transaction-mode pooler would leave the lock on a pooled
    // backend, and a search_path a pooler dropped would point everything at another schema.
    await checkSessions(config.databaseUrl).catch((error: unknown) => {
      throw namingDatabaseUrl(error);
    });
    // Before anything runs on the database: a server refused beside others must not even migrate.
    // Servers with Redis hold it shared, so one without Redis is refused beside them and they beside it.
    if (options.excludeServers) {
      try {
        singleProcess = await acquireSingleProcessLock(config.databaseUrl, {
          mode: 'alone',
          onLost: (err) => logger.warn({ err: { message: err.message } }, 'the single-process lock was lost: a server could now start beside this command'),
        });
      } catch (error) {
        if (!(error instanceof SingleProcessLockHeld)) throw namingDatabaseUrl(error);
        throw new Error('Signet servers are running on this PostgreSQL database: stop every one of them first (they would go on with the old master key); nothing was changed');
      }
    } else if (options.serving) {
      singleProcess = await acquireSingleProcessLock(config.databaseUrl, {
        mode: config.redisUrl || config.redisCluster ? 'shared' : 'alone',
        onLost: options.serving.onLockLost,
        onRetaking: (err, attempt) => logger.warn({ err: { message: err.message }, attempt }, 'the single-process lock\'s connection was lost; taking the lock again (shared with the other servers that have Redis)'),
        onRetaken: () => logger.info('the single-process lock is held again'),
      }).catch((error: unknown) => {
        throw error instanceof SingleProcessLockHeld ? error : namingDatabaseUrl(error);
      });
    }
    driver = createPgDriver({ url: config.databaseUrl, statementTimeoutMs: options.statementTimeoutMs, maxConnections: config.databasePoolSize });
    releaseProcessLock = () => singleProcess?.release().catch(() => undefined);
  } else {
    if (options.schema === 'existing' && !embeddedDatabaseExists(config.dataDir)) {
      throw new DatabaseNotReadyError(`There is no Signet database in ${config.dataDir} (SIGNET_DATA_DIR, relative to the working directory): point it at the server's data directory. Nothing was created.`);
    }
    dataDir = openPgliteDataDir(config.dataDir);
    releaseProcessLock = () => dataDir?.release();
    for (const change of dataDir.closedToOthers) logger.warn({ change }, 'the data directory was open to other users; closed to them (PGlite files are world-writable, the directory protects them)');
    try {
      driver = await createPgliteDriver(dataDir.pgdataPath, { onVacuumError: (err) => logger.warn({ err: { message: err.message } }, 'PGlite vacuum failed; the next check tries again') });
    } catch (error) {
      dataDir.release();
      throw error;
    }
  }
  const sql = createSqlStores(driver, {
    onAfterCommitFailure: (err) => logger.warn({ err: { message: (err as Error).message } }, 'a task after a commit failed; the transaction committed and was answered as such'),
  });
  let applied: number;
  let secretBox: SecretBox;
  let nonceNotCompleteBeforeMs: number | undefined;
  try {
    if (options.schema === 'existing') {
      await requireCurrentSchema(driver);
      applied = 0;
    } else {
      // At warn for operator commands (their logger shows warn and above): a newer signet run
      // during an incident migrates too, and the operator must see it.
      const notable = options.serving ? logger.info.bind(logger) : logger.warn.bind(logger);
      applied = await migrate(driver, {
        onApply: (version) => notable({ migration: version }, 'applying a schema migration (a large table can take minutes; other starts wait for it)'),
        onUnknown: (versions) => logger.warn({ migrations: versions }, 'the database has schema migrations this release does not know (a newer release applied them): running on it as it is, as during a rollout or after a rollback'),
        onLockBusy: (attempt, delayMs) => logger.warn({ attempt, delayMs }, 'a schema migration waited 5 s for a table lock (a long transaction holds the table): rolled back so requests are not queued behind it; trying again'),
      });
      if (applied > 0) notable({ applied }, 'schema migrated');
    }
    // A rotation a crash stopped: master.key is the key the database names before anything uses it.
    if (dataDir) await settleStagedMasterKey(dataDir, sql.uow, logger);
    secretBox = await secretBoxFor(config, dataDir, sql.uow, logger, options.masterKeyMismatch ?? 'refuse');
    if (!config.redisUrl && !config.redisCluster) nonceNotCompleteBeforeMs = await memoryNoncesNotCompleteBefore(driver, logger);
  } catch (error) {
    await driver.close().catch(() => undefined);
    await releaseProcessLock();
    throw config.databaseUrl ? namingDatabaseUrl(error) : error;
  }
  let redis: ConnectedRedis | null = null;
  try {
    redis = config.redisCluster ? await connectRedisCluster(config.redisCluster, logger) : config.redisUrl ? await connectRedis(config.redisUrl, logger) : null;
    // A user refused a command Signet's scripts run is a configuration error, as a wrong password
    // is: started anyway, every signed request would be answered 503.
    if (redis) await assertRedisPermissions(redis, logger);
  } catch (error) {
    redis?.disconnect();
    await driver.close().catch(() => undefined);
    await releaseProcessLock();
    throw error;
  }
  const prices = openPriceSource(config.prices, sql.orderBook, logger);
  // Verification material cached in memory. PGlite: this process is the only one with the
  // database, and it runs one statement at a time. PostgreSQL + Redis: each process caches,
  // stamped with the key's version on Redis, which each request's admission script checks.
  // PostgreSQL alone: no cache (nothing tells this process about another one's revocation).
  const keyVersions = redis && driver.kind !== 'pglite' ? createRedisKeyVersionStore(redis) : undefined;
  const services = createDomainServices({
    uow: sql.uow, secretBox, prices: prices.source, cacheVerificationKeys: driver.kind === 'pglite', keyVersions, feeRates: config.feeRates, maxOpenOrders: config.maxOpenOrders,
    // The record a restore of the database does not take back (README, "Backups and restores"):
    // at warn for operator commands, whose logger shows warn and above (as migrations are). Made by
    // a request, it names that request (`reqId`), whose access line names its address and key.
    onKeyEvent: (event) => {
      const reqId = currentRequestId();
      (options.serving ? logger.info.bind(logger) : logger.warn.bind(logger))(reqId === undefined ? event : { ...event, reqId }, event.event === 'api_key_created' ? 'API key created' : 'API key revoked');
    },
  });
  const readiness: ReadinessCheck[] = [{ name: 'database', check: () => driver.ping() }];
  if (redis) {
    const connected = redis;
    readiness.push({ name: 'redis', check: async () => { connected.assertDatabase(); await checkRedisReadiness(connected); } });
  }
  // Every migration applied now: this start created the embedded database (the demo seed's cue).
  const freshEmbedded = applied === MIGRATION_COUNT && !config.databaseUrl;
  const security = redis ? redisSecurityStores(redis, { idempotencyPrefix: config.idempotencyRedisPrefix ?? undefined }) : memorySecurityStores({ nonceNotCompleteBeforeMs });
  // The nonce store records since when it is complete (a new or emptied Redis: from now on)
  // before any key is created, so keys created from here on are never refused as unproven.
  // Best effort: the first claim records it too.
  // A refusal of the ACL (a key pattern that leaves out a prefix: the probe above covers commands)
  // stops the start, as the probe's does.
  const permissionRefused = async (err: Error): Promise<void> => {
    if (!isRedisPermissionRefusal(err)) return;
    prices.close();
    redis?.disconnect();
    await driver.close().catch(() => undefined);
    await releaseProcessLock();
    throw new RedisPermissionError(err);
  };
  await security.nonces.open().catch(async (err: Error) => {
    await permissionRefused(err);
    logger.warn({ err: { message: err.message } }, 'nonce store not reachable at start-up');
  });
  // With no live idempotency record in the database (a fresh deployment), a new memory store or a
  // Redis without a completeness marker has missed nothing: declared complete since 0, keyed calls
  // skip the record lookup of the first retention window. Best effort: without it they pay it.
  await declareCompleteIfNoLiveRecords(security.idempotency, sql.idempotencyRecords, Date.now)
    .then((declaration) => logger.debug({ declaration }, 'idempotency store completeness at start-up'))
    .catch(async (err: Error) => {
      await permissionRefused(err);
      logger.warn({ err: { message: err.message } }, 'idempotency store completeness not declared at start-up');
    });
  if (redis) void warnIfRedisMayEvict(redis, logger);
  const metrics = createMetrics({ defaultMetrics: true });
  const fallbackRateLimits = createAccountPartitionedRateLimitStore();
  return {
    config, logger, services, driver, readiness, security, metrics, idempotencyRecords: sql.idempotencyRecords,
    directiveDeps: () => ({
      rateLimits: security.rateLimits, fallbackRateLimits, idempotency: security.idempotency, idempotencyRecords: sql.idempotencyRecords,
      uow: sql.uow, now: Date.now, idempotencyTtlMs: config.idempotencyTtlMs, rateLimitOverrides: fieldLimitOverrides(config.rateLimitOverrides), metrics, logger, faults: options.faults,
    }),
    freshDatabase: freshEmbedded,
    rotateMasterKey: () => rotateConfiguredMasterKey({ masterKey: config.masterKey, newMasterKey: config.newMasterKey, dataDir, uow: sql.uow, checkpoint: async () => { await driver.query('CHECKPOINT'); } }),
    async close() {
      prices.close();
      redis?.disconnect();
      await driver.close();
      await releaseProcessLock();
    },
  };
}

/**
 * How far ahead of the clock a recorded key use may be for a start to wait for it (see
 * memoryNoncesNotCompleteBefore): an NTP step back is seconds to minutes; a use further ahead was made
 * on a clock that was wrong, and waiting for it would refuse every signed request for that long.
 */
export const MAX_KEY_USE_AHEAD_MS = 10 * 60_000;

/**
 * What a memory nonce store, empty at every start and complete since that start (in real time:
 * see its `completeSinceMs`), must not be complete before either: the latest key use the database
 * recorded, when it is later than the clock (undefined otherwise). It is later only when the clock was set
 * back since (or a process on another host's clock wrote it): trusting the clock then would make
 * the store complete since before uses an earlier process admitted, and their captured bytes, fresh
 * again on the clock set back, would run twice. Signatures created before it are refused as
 * REPLAY_PROTECTION_RECOVERING until the clock has passed it. Uses in the last batch a crash lost
 * (at most the usage recorder's interval, 5 s) are not in the database. A use more than
 * MAX_KEY_USE_AHEAD_MS ahead is not waited for: the keys used ahead are named at error level, to
 * be revoked and replaced (their requests signed on the clock that was ahead can run again once
 * this clock reaches them; a revoked key's never run).
 */
async function memoryNoncesNotCompleteBefore(driver: SqlDriver, logger: Logger): Promise<number | undefined> {
  const now = Date.now();
  const latestUse = await latestKeyUseMs(driver);
  if (latestUse === null || latestUse < now) return undefined;
  const clocks = { latestKeyUse: new Date(latestUse).toISOString(), clock: new Date(now).toISOString() };
  if (latestUse - now > MAX_KEY_USE_AHEAD_MS) {
    const keys = await keysUsedAfter(driver, now, 20);
    logger.error({ ...clocks, keysUsedAhead: keys },
      'the database recorded API key uses far ahead of this process\'s clock (a clock that was ahead, or this one is behind: check NTP): requests those keys signed on the clock that was ahead can run again once this clock reaches their time; revoke and replace these keys (signet keys revoke <id>)');
    return undefined;
  }
  logger.warn(clocks, 'the database recorded an API key use later than this process\'s clock (was the clock set back?): signed requests created before that use are refused as REPLAY_PROTECTION_RECOVERING until the clock has passed it');
  return latestUse + 1;
}

/**
 * The secret box of HMAC secrets, under SIGNET_MASTER_KEY, else the embedded `master.key`. The
 * database names its master key (its check, recorded by the first server start whose key opens
 * every live HMAC secret); a key that is not the database's, or that opens none of the live HMAC
 * keys' secrets, stops the start (`refuse`, the server), naming what to do: otherwise every HMAC
 * key would fail on every request as "temporarily unavailable", or processes with two keys would
 * each seal keys the other cannot open. Operator commands (`warn`) run anyway and record nothing
 * at start (the servers' start does, or the first secret sealed: domain/master-key-check.ts), so a
 * lost key's HMAC keys can still be listed and revoked; they then seal and open nothing.
 * `adopt` (`signet master-key adopt`) makes the key the database's when every live secret opens
 * under it. A `master.key` missing beside an existing database is generated again only when no
 * live key needs the lost one. Secrets a fitting key does not open (damaged, or sealed under
 * another key) are named in a warning.
 */
async function secretBoxFor(config: SignetConfig, dataDir: PgliteDataDir | null, uow: UnitOfWork, logger: Logger, onMismatch: MasterKeyMismatch): Promise<SecretBox> {
  const key = config.masterKey ?? dataDir?.masterKey ?? null;
  const box = key && createSecretBox(key);
  let fit = await masterKeyFit(uow, box);
  const keyFile = dataDir ? join(config.dataDir, 'master.key') : null;
  const source = config.masterKey ? 'SIGNET_MASTER_KEY' : keyFile;
  if (box) {
    let fits = fit.opensCheck === true;
    // Recorded only by a key that opens every live secret: with some sealed under another key,
    // which key is the database's is the operator's choice, not the first start's.
    if (fit.opensCheck === null && fit.unopened.length === 0 && onMismatch !== 'warn') {
      fits = await recordMasterKey(uow, box, 'if absent');
      if (fits) logger.warn({ source }, `the database now names ${source} as its master key; every process must start with it`);
    }
    if (!fits && onMismatch === 'adopt' && fit.unopened.length === 0) {
      const unopened = await adoptMasterKey(uow, box);
      fits = unopened.length === 0;
      if (fits) logger.warn({ source }, `master key adopted: the database now names ${source} as its master key; restart every server with it`);
      // A secret sealed under the old key since `fit` was read: nothing was replaced.
      else fit = { ...fit, liveSecrets: fit.liveSecrets + unopened.length, unopened };
    }
    if (fits) {
      if (fit.unopened.length > 0) {
        logger.warn({ keyIds: fit.unopened }, `${source} does not open the secrets of ${fit.unopened.length} live HMAC key(s) (sealed under another master key, or damaged): they fail on every request; revoke them`);
      }
      return box;
    }
    // An operator command on a database that names no key yet, whose live secrets all open under
    // this key: the key is used, not recorded (its first sealed secret records it). With some
    // secrets under another key it seals nothing: which key is the database's is for the operator.
    if (fit.opensCheck === null && onMismatch === 'warn' && fit.unopened.length === 0) return box;
  } else if (fit.liveSecrets === 0) {
    logger.warn({ path: keyFile }, 'master.key was missing beside an existing database; no live HMAC key needs it, so a new master key was generated');
    const generated = createSecretBox((dataDir as PgliteDataDir).createMasterKey());
    await recordMasterKey(uow, generated, 'replace');
    return generated;
  }
  const [problem, remedy] = masterKeyRefusal({ source, keyFile, fromEnvironment: !!config.masterKey, fit, hasKey: !!key });
  if (onMismatch === 'refuse' || onMismatch === 'adopt') throw new Error(`${problem}: ${remedy}.`);
  logger.warn({ keyIds: fit.unopened }, `${problem}: HMAC keys can be listed and revoked, not created or used; ${remedy}`);
  return unavailableSecretBox(problem);
}

/** What is wrong with the master key a start was given, and what the operator can do: the most likely cause first. */
function masterKeyRefusal(input: { source: string | null; keyFile: string | null; fromEnvironment: boolean; fit: MasterKeyFit; hasKey: boolean }): [string, string] {
  const { source, keyFile, fromEnvironment, fit, hasKey } = input;
  const restore = `restore the master key they were sealed with${fromEnvironment ? '' : ` (${keyFile} from a backup, or SIGNET_MASTER_KEY)`}, or revoke them (signet keys revoke ID runs without it) and create new keys`;
  if (!hasKey) return [`${keyFile} is missing, and the ${fit.liveSecrets} live HMAC key(s) in this database are sealed under it`, restore];
  const unopened = fit.unopened.length > 0 ? ` (refused while live HMAC keys do not open under it: ${fit.unopened.join(', ')}; revoke them first)` : '';
  if (fit.opensCheck === false) {
    return [`${source} is not this database's master key (another key was set up with it; mistyped, or another process's?)`,
      `give every process the database's master key; to replace it on purpose, stop every server and run signet master-key adopt with the new key${unopened}`];
  }
  if (fit.unopened.length === fit.liveSecrets) return [`${source} does not open the secrets of the ${fit.liveSecrets} live HMAC key(s) in this database (another master key sealed them)`, restore];
  return [`${source} does not open the secrets of ${fit.unopened.length} of the ${fit.liveSecrets} live HMAC key(s) in this database (${fit.unopened.join(', ')}), and the database names no master key yet`,
    `start with the key every live secret opens under, or revoke the keys it does not open (they fail on every request) and start again; signet master-key adopt makes a key the database's`];
}

/**
 * The price source of valuations: the HTTP feed (timeout, circuit breaker, stale cache) when
 * configured, else mid prices of resting orders backed by the configured table. `close` stops
 * the breaker's timers so shutdown is not held open by them.
 */
function openPriceSource(config: SignetConfig['prices'], book: OrderBookReader, logger: Logger): { source: PriceSource; close(): void } {
  if (config.feedUrl) {
    const feed = createHttpPriceSource({ url: config.feedUrl, timeoutMs: config.feedTimeoutMs });
    logger.info({ timeoutMs: config.feedTimeoutMs }, 'prices: HTTP price feed');
    return { source: feed, close: () => feed.close() };
  }
  logger.info('prices: embedded (mid of resting orders, else SIGNET_PRICE_TABLE)');
  return { source: createBookPriceSource({ book, table: config.table }), close: () => undefined };
}

/**
 * Security stores shared by every instance through Redis (one server or a cluster: every script
 * touches one key). `idempotencyPrefix` (default `signet:idem:`) namespaces the idempotency
 * leases, outcomes and completeness marker: instances on different databases sharing one Redis
 * must not share it (the marker vouches for one database's records).
 */
export function redisSecurityStores(redis: Redis | Cluster, options: { idempotencyPrefix?: string } = {}): SecurityStores {
  const { idempotencyPrefix } = options;
  return {
    kind: 'redis', nonces: createRedisNonceStore(redis), rateLimits: createRedisRateLimitStore(redis),
    idempotency: createRedisIdempotencyStore(redis, { prefix: idempotencyPrefix }),
    admission: createRedisAdmissionStore(redis, { idempotencyPrefix }),
  };
}

/**
 * In-process security stores: correct for one server process only. The nonce and idempotency
 * stores are complete since they were created unless told otherwise (`nonceCompleteSinceMs`: only
 * for a store that has provably seen every claim of its keys, e.g. one built before any key
 * existed). The idempotency store is told by `declareCompleteIfNoLiveRecords` (see `openRuntime`).
 * `rateLimitClock` (ms, monotonic; default `performance.now()`) rolls the limits' windows in tests.
 */
export function memorySecurityStores(options: { nonceCompleteSinceMs?: number; nonceNotCompleteBeforeMs?: number; rateLimitClock?: () => number } = {}): SecurityStores {
  const parts = {
    nonces: createMemoryNonceStore({ completeSinceMs: options.nonceCompleteSinceMs, notCompleteBeforeMs: options.nonceNotCompleteBeforeMs }),
    rateLimits: createAccountPartitionedRateLimitStore(options.rateLimitClock ? { now: options.rateLimitClock } : {}),
    idempotency: createMemoryIdempotencyStore(),
  };
  return { kind: 'memory', ...parts, admission: createSequentialAdmissionStore(parts) };
}
