/**
 * Verification material by key id, kept in memory so a signed request does not read its key row.
 *
 * Only sound where this process is the only writer of the keys table and its database runs one
 * statement at a time with no reads of uncommitted work from outside a transaction (embedded
 * PGlite: one process holds the data directory, one connection serializes every query and
 * transaction). There, revocation goes through this process's key service, which calls `forget`
 * before its UPDATE and again once the revocation has returned (committed, or joined into an outer
 * transaction: a read issued after that waits for that transaction to end and sees its outcome).
 * A load that started before a `forget` and ends after it is not kept, so no entry read before a
 * revocation survives it: the next request after `revokeApiKey` resolves reads the row again.
 * Unknown keys are never cached (a key created later must be found).
 */
export interface VerificationKeyCache<T> {
  /** The cached value, else `load()`'s, kept when not null and no `forget` happened meanwhile. */
  get(keyId: string, load: () => Promise<T | null>): Promise<T | null>;
  /** Drops `keyId` and disowns every load in flight (any key: revocations are rare). */
  forget(keyId: string): void;
}

/** Entries kept at most; past it the oldest goes. */
export const MAX_CACHED_VERIFICATION_KEYS = 10_000;

/** Creates an empty cache. */
export function createVerificationKeyCache<T>(maxEntries = MAX_CACHED_VERIFICATION_KEYS): VerificationKeyCache<T> {
  const entries = new Map<string, T>();
  let generation = 0;
  return {
    async get(keyId, load) {
      const cached = entries.get(keyId);
      if (cached !== undefined) return cached;
      const startedAt = generation;
      const loaded = await load();
      if (loaded !== null && startedAt === generation) {
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
        entries.set(keyId, loaded);
      }
      return loaded;
    },
    forget(keyId) {
      generation += 1;
      entries.delete(keyId);
    },
  };
}
