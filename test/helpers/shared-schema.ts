import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { Client } from 'pg';
import { markNonceStoreComplete } from '@signet/http-message-signatures-redis';
import { createDomainServices, createSecretBox, type DomainServices } from '../../src/domain';
import { createPgDriver, createSqlStores, migrate, type SqlDriver } from '../../src/stores/postgres';
import { signRequest } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import { idempotencyKeyOf, WIDE_FIELD_LIMITS } from './idempotency';
import { TEST_MASTER_KEY, WIDE_REQUEST_LIMITS, type SignetProcess } from './processes';
import type { TestKey } from './signet-server';

/** The @authority every test process signs for. */
export const SHARED_AUTHORITY = 'signet.test';

/**
 * A fresh PostgreSQL schema that `signet serve` child processes and the test share, with
 * services over it for fixtures and SQL checks. Needs TEST_DATABASE_URL and TEST_REDIS_URL.
 */
export interface SharedSchema {
  readonly services: DomainServices;
  readonly driver: SqlDriver;
  /** Environment of a child process on this schema and the test Redis, plus `extra`. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Orders of the account, counted in SQL. */
  orderCount(accountId: string): Promise<number>;
  /** ORDER_HOLD journals of the account's orders, counted in SQL. */
  holdCount(accountId: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Creates and migrates the schema; `close` drops it. A Redis whose nonce store has no
 * completeness marker yet has never served a signet process, so no claim was ever made in it:
 * it is marked complete since the epoch, and keys the test creates before starting its
 * processes are not refused as unproven (a Redis that later loses its data records anew).
 */
export async function openSharedSchema(databaseUrl: string, redisUrl: string): Promise<SharedSchema> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    await markNonceStoreComplete(redis, 0, { onlyIfMissing: true });
  } finally {
    redis.disconnect();
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const driver = createPgDriver({ url: databaseUrl, schema });
  await migrate(driver);
  const services = createDomainServices({ uow: createSqlStores(driver).uow, secretBox: createSecretBox(Buffer.from(TEST_MASTER_KEY, 'base64')) });
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const count = async (sql: string, accountId: string) => Number((await driver.query<{ n: string }>(sql, [accountId]))[0].n);
  return {
    services, driver,
    env: (extra = {}) => ({
      DATABASE_URL: url.toString(), REDIS_URL: redisUrl, SIGNET_MASTER_KEY: TEST_MASTER_KEY, SIGNET_PUBLIC_AUTHORITY: SHARED_AUTHORITY,
      SIGNET_RATE_LIMITS: JSON.stringify({ ...WIDE_REQUEST_LIMITS, ...WIDE_FIELD_LIMITS }), ...extra,
    }),
    orderCount: (accountId) => count('SELECT count(*) AS n FROM orders WHERE account_id = $1', accountId),
    holdCount: (accountId) => count(`SELECT count(*) AS n FROM journals j JOIN orders o ON j.reference = o.id::text WHERE j.kind = 'ORDER_HOLD' AND o.account_id = $1`, accountId),
    async close() {
      await driver.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

/** POSTs `body` to a child process, freshly signed by `key` (a new nonce every call), with extra headers. */
export async function sendSigned(server: SignetProcess, key: TestKey, body: string, headers: Record<string, string> = {}) {
  const signed = signRequest(nodeCrypto, { method: 'POST', authority: SHARED_AUTHORITY, path: '/graphql', body, keyId: key.keyId, algorithm: key.algorithm, privateKey: key.privateKey, secret: key.secret, headers: idempotencyKeyOf(headers) });
  const response = await fetch(`${server.url}/graphql`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...signed.headers, ...headers } });
  return { status: response.status, replayed: response.headers.get('idempotent-replayed') === 'true', json: await response.json() as any };
}

/** Waits until a child process reports its database and Redis ready: it listens before Redis has connected. */
export async function untilReady(server: SignetProcess, timeoutMs = 10_000): Promise<void> {
  for (const start = Date.now(); Date.now() - start < timeoutMs; await sleep(100)) {
    if ((await fetch(`${server.url}/readyz`)).status === 200) return;
  }
  throw new Error(`not ready after ${timeoutMs} ms`);
}
