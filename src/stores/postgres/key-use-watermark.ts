import type { SqlExecutor } from './sql-driver';

/**
 * The latest use of any API key the database recorded (`api_keys.last_used_at`, written in
 * batches by the key usage recorder), in ms since the epoch; null when no key was ever used.
 *
 * A process whose nonce store starts empty (the memory store) reads it at start: every request an
 * earlier process admitted was used at or before this instant (but for the last batch a crash
 * lost), whatever this process's clock now says. A clock set back across a restart would
 * otherwise make the new store "complete" since before those uses, and their captured bytes fresh
 * again.
 */
export async function latestKeyUseMs(db: SqlExecutor): Promise<number | null> {
  const [row] = await db.query<{ latest: unknown }>('SELECT max(last_used_at) AS latest FROM api_keys');
  const latest = row?.latest;
  if (latest === null || latest === undefined) return null;
  const ms = (latest instanceof Date ? latest : new Date(String(latest))).getTime();
  return Number.isFinite(ms) ? ms : null;
}

/** Ids of the unrevoked keys whose recorded last use is later than `afterMs`, the latest first, at most `limit`. */
export async function keysUsedAfter(db: SqlExecutor, afterMs: number, limit: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>('SELECT id FROM api_keys WHERE last_used_at > $1 AND revoked_at IS NULL ORDER BY last_used_at DESC LIMIT $2', [new Date(afterMs).toISOString(), limit]);
  return rows.map((row) => row.id);
}
