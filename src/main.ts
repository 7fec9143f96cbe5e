import 'reflect-metadata';
import { ConfigError, parseConfig, type SignetConfig } from './config';
import pino, { type Logger } from 'pino';
import { createDomainServices, createSecretBox, type DomainServices } from './domain';
import type { DirectiveDeps } from './directives';
import type { IdempotencyRecordStore } from './directives/idempotent';
import { createPgDriver, createPgliteDriver, createSqlStores, migrate, openPgliteDataDir, type SqlDriver } from './stores/postgres';
import Redis from 'ioredis';
import { createMemoryIdempotencyStore, createMemoryNonceStore, createMemoryRateLimitStore } from './stores/memory';
import { createRedisIdempotencyStore, createRedisNonceStore, createRedisRateLimitStore } from './stores/redis';
import type { ReadinessCheck } from './transport/http/health';
import { createMetrics, type SignetMetrics } from './transport/metrics';
import type { SecurityStores } from './transport/security-stores';
import { runCli } from './transport/cli/program';

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
  /** True when the database was created by this start (the embedded demo seed runs then). */
  readonly freshDatabase: boolean;
  close(): Promise<void>;
}

/** Builds the logger: JSON lines; request headers that carry credentials are never logged. */
export function createLogger(level: SignetConfig['logLevel']): Logger {
  return pino({
    level,
    base: { service: 'signet' },
    redact: { paths: ['req.headers.authorization', 'req.headers.signature', 'req.headers["signature-input"]', 'privateKey', 'secret'], censor: '[redacted]' },
  });
}

/** Opens the database (PostgreSQL or embedded PGlite), migrates it and wires the domain services. */
export async function openRuntime(config: SignetConfig, logger: Logger): Promise<Runtime> {
  let driver: SqlDriver;
  let masterKey = config.masterKey;
  let releaseDataDir = () => undefined as void;
  if (config.databaseUrl) {
    driver = createPgDriver({ url: config.databaseUrl });
  } else {
    const dataDir = openPgliteDataDir(config.dataDir);
    releaseDataDir = () => dataDir.release();
    masterKey = masterKey ?? dataDir.masterKey;
    try {
      driver = await createPgliteDriver(dataDir.pgdataPath);
    } catch (error) {
      dataDir.release();
      throw error;
    }
  }
  let applied: number;
  try {
    applied = await migrate(driver);
  } catch (error) {
    await driver.close().catch(() => undefined);
    releaseDataDir();
    throw error;
  }
  const sql = createSqlStores(driver);
  const services = createDomainServices({ uow: sql.uow, secretBox: createSecretBox(masterKey as Buffer) });
  const redis = config.redisUrl ? connectRedis(config.redisUrl, logger) : null;
  const readiness: ReadinessCheck[] = [{ name: 'database', check: () => driver.ping() }];
  if (redis) readiness.push({ name: 'redis', check: async () => { await redis.ping(); } });
  const security = redis ? redisSecurityStores(redis) : memorySecurityStores();
  const metrics = createMetrics({ defaultMetrics: true });
  const fallbackRateLimits = createMemoryRateLimitStore();
  return {
    config, logger, services, driver, readiness, security, metrics, idempotencyRecords: sql.idempotencyRecords,
    directiveDeps: () => ({
      rateLimits: security.rateLimits, fallbackRateLimits, idempotency: security.idempotency, idempotencyRecords: sql.idempotencyRecords,
      uow: sql.uow, now: Date.now, idempotencyTtlMs: config.idempotencyTtlMs, rateLimitOverrides: config.rateLimitOverrides, metrics, logger,
    }),
    freshDatabase: applied > 0 && !config.databaseUrl,
    async close() {
      redis?.disconnect();
      await driver.close();
      releaseDataDir();
    },
  };
}

/** A Redis connection that fails fast: a command waits at most 2 s, and nothing queues while disconnected. */
function connectRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, { connectTimeout: 2_000, commandTimeout: 2_000, maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  redis.on('error', (err) => logger.warn({ err: { message: err.message } }, 'redis error'));
  return redis;
}

/** Security stores shared by every instance through Redis. */
function redisSecurityStores(redis: Redis): SecurityStores {
  return { kind: 'redis', nonces: createRedisNonceStore(redis), rateLimits: createRedisRateLimitStore({ client: redis }), idempotency: createRedisIdempotencyStore(redis) };
}

/** In-process security stores: correct for one server process only. */
function memorySecurityStores(): SecurityStores {
  return { kind: 'memory', nonces: createMemoryNonceStore(), rateLimits: createMemoryRateLimitStore(), idempotency: createMemoryIdempotencyStore() };
}

/**
 * Entry point of the `signet` command. The only place that reads the environment: it parses
 * a frozen config and hands it to the CLI, which builds the adapters and the server.
 */
export async function main(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let config;
  try {
    config = parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`signet: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  return runCli(argv, config, { openRuntime, createLogger });
}

if (require.main === module) {
  main().then((code) => {
    if (code !== 0) process.exitCode = code;
  }, (error) => {
    process.stderr.write(`signet: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
