import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { createMemoryIdempotencyStore, type IdempotencyStore } from '@signet/idempotency';
import type { IdempotencyRecordStoreHarness } from '@signet/idempotency/testing';
import { createRedisIdempotencyStore } from '@signet/idempotency-redis';
import { createSqlStores } from '../../src/stores/postgres';
import type { TestDatabase } from './database';

/** Field limits high enough that @rateLimit never interferes with an idempotency test. */
export const WIDE_FIELD_LIMITS: Readonly<Record<string, { max: number; window: string }>> = Object.freeze(Object.fromEntries(
  ['placeOrder', 'cancelOrder', 'createTransfer', 'createApiKey', 'revokeApiKey'].map((f) => [`Mutation.${f}`, { max: 1_000_000, window: '1m' }]),
));

/** The Idempotency-Key among headers a test sends, to be covered as every signer covers it. */
export function idempotencyKeyOf(headers: Record<string, string> = {}): Record<string, string> {
  const key = headers['idempotency-key'];
  return key === undefined ? {} : { 'idempotency-key': key };
}

/**
 * A fast-path store that can lose everything on demand, as Redis does on FLUSHALL: `forget()`
 * drops all of this store's entries (never anyone else's). `store` stays the same object, so a
 * server built over it keeps running across the loss.
 */
export interface ForgetfulStore {
  readonly store: IdempotencyStore;
  forget(): Promise<void>;
  close(): Promise<void>;
}

/** A memory fast path; `forget()` swaps in an empty store. */
export function forgetfulMemoryStore(options: { now?: () => number } = {}): ForgetfulStore {
  let current = createMemoryIdempotencyStore(options);
  const store: IdempotencyStore = {
    claim: (...a) => current.claim(...a),
    complete: (...a) => current.complete(...a),
    release: (...a) => current.release(...a),
    remember: (...a) => current.remember(...a),
    peekCompleted: (...a) => current.peekCompleted(...a),
  };
  return {
    store,
    async forget() {
      current.close();
      current = createMemoryIdempotencyStore(options);
    },
    async close() {
      current.close();
    },
  };
}

/**
 * A Redis fast path under a prefix unique to this call; `forget()` deletes exactly that prefix's
 * keys, its completeness marker included, as FLUSHALL does (a real FLUSHALL would wipe other suites
 * sharing the test server).
 */
export function forgetfulRedisStore(url: string): ForgetfulStore {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  const keyPrefix = `t${randomUUID().slice(0, 8)}:idem:`;
  return {
    store: createRedisIdempotencyStore(redis, { prefix: keyPrefix }),
    async forget() {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    },
    async close() {
      await redis.quit();
    },
  };
}

/**
 * The durable record store as Signet wires it (`createSqlStores` over a migrated test database),
 * for `@signet/idempotency`'s record-store contract: transactions of the unit of work (nested
 * ones are savepoints), and an account insert as the effect that must commit with the record.
 */
export async function signetRecordStoreHarness(open: () => Promise<TestDatabase>): Promise<IdempotencyRecordStoreHarness> {
  const db = await open();
  const { uow, idempotencyRecords } = createSqlStores(db.driver);
  return {
    store: idempotencyRecords,
    transaction: (work) => uow.transaction(() => work()),
    effect: {
      async write(id) {
        const account = { id: randomUUID(), name: `idem-${id}`, createdAt: new Date() };
        if (!(await uow.repo.insertAccount(account))) throw new Error(`account idem-${id} was not inserted`);
      },
      exists: async (id) => (await uow.repo.findAccountByName(`idem-${id}`)) !== null,
    },
    close: () => db.close(),
  };
}
