import type { SqlParams } from './sql-ledger';

/**
 * Account locks: one transaction-scoped advisory lock per account (key space 1397311297, "SIGA",
 * then the last 32 bits of the account's UUID, its random part), taken in ascending key order by
 * the statement that numbers rows of the account's lists (its orders, fills and transfers: the
 * `seq` the cursors page on) before it numbers them, and held until COMMIT.
 *
 * Why: a sequence number is drawn when a row is inserted, not when its transaction commits, so
 * without them two transactions touching one account could commit out of the order of their
 * numbers (one placement waits on a balance row, another of the same account in a market quoted in
 * another asset does not). A bot that pages newest-first down to the last number it saw would see
 * 912, then never the 911 that committed after it. With them, every row an account's lists gain
 * becomes visible in the order of its number.
 *
 * Lock order, so nothing deadlocks: market locks first (a placement, a cancel), then account
 * locks, all in one batch sorted by key, then balance rows (in their own fixed order). No
 * transaction waits for a market lock or an account lock while holding an account lock or a
 * balance row. Accounts whose keys collide only wait for each other. On PGlite (one connection)
 * the locks are always free.
 */
export const ACCOUNT_LOCK_KEY_SPACE = 1397311297;

/** The lock keys of these accounts: distinct, ascending (the order they are taken in). */
export function accountLockKeys(accountIds: Iterable<string>): number[] {
  const keys = new Set<number>();
  for (const id of accountIds) keys.add(Number.parseInt(id.slice(-8), 16) | 0);
  return [...keys].sort((a, b) => a - b);
}

/**
 * The CTE `accounts_locked` that takes the accounts' locks, and the condition (`gate`) that a
 * data-changing CTE reads as a one-time filter so that it runs only after every lock is held.
 */
export function accountLocks(params: SqlParams, accountIds: Iterable<string>): { cte: string; gate: string } {
  return {
    cte: `accounts_locked AS (SELECT pg_advisory_xact_lock(${ACCOUNT_LOCK_KEY_SPACE}, k) FROM unnest(${params.add(accountLockKeys(accountIds), '::int4[]')}) AS k)`,
    gate: '(SELECT count(*) FROM accounts_locked) > 0',
  };
}
