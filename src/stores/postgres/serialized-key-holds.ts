import type { TradingRepository } from '../../domain';

/** Past this many remembered keys the memory starts again (forgetting is always safe: the next hold reads the row). */
const MAX_REMEMBERED_KEYS = 100_000;

const remembered = new WeakMap<object, Set<string>>();

function rememberedKeys(database: object): Set<string> {
  let keys = remembered.get(database);
  if (!keys) remembered.set(database, (keys = new Set()));
  return keys;
}

/**
 * Key holds (`holdLiveApiKey`) for a database whose transactions never overlap and which no
 * other process writes (PGlite: one connection behind one lock, its data directory locked to
 * this process; see `transactionsNeverOverlap`). There a row lock holds nothing that the
 * serialization does not already hold, and the statement is a sixth of a signed mutation's SQL
 * (about 0.2 ms of the one thread on PGlite): a key found live once is remembered, and every
 * revocation forgets its key before and after its UPDATE.
 *
 * Why that is exact, with transactions running one at a time:
 * - A hold answered from memory runs in a transaction that began after the key was read live
 *   and after every revocation that forgot it since: had the key been revoked in between, that
 *   revocation's UPDATE would have run in between too and forgotten it after it ran.
 * - A hold that reads the row and remembers the key does both inside its own transaction, so no
 *   revocation runs between the read and the remembering.
 * - A revocation whose transaction rolls back has forgotten a live key: the next hold reads the
 *   row again (one statement more, once).
 * The memory belongs to the database (`database`: its driver), not to one repository: a
 * revocation made through any repository over it forgets the key for all of them.
 */
export function withSerializedKeyHolds(repo: TradingRepository, database: object): TradingRepository {
  const live = rememberedKeys(database);
  return {
    ...repo,
    async holdLiveApiKey(id) {
      if (live.has(id)) return true;
      const held = await repo.holdLiveApiKey(id);
      if (held) {
        if (live.size >= MAX_REMEMBERED_KEYS) live.clear();
        live.add(id);
      }
      return held;
    },
    async revokeApiKey(id, accountId, at, revokedBy) {
      live.delete(id);
      try {
        return await repo.revokeApiKey(id, accountId, at, revokedBy);
      } finally {
        live.delete(id);
      }
    },
  };
}
