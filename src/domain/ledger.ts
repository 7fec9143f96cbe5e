import type { AssetCode } from './assets';
import { Dec } from './decimal';
import type { Journal, JournalKind, Posting } from './types';

/**
 * The external system account: the other side of every deposit. It is the only account
 * whose ledger may go negative (it is not a balance anyone can spend), and it cannot be
 * addressed by transfers.
 */
export const EXTERNAL_ACCOUNT_ID = '00000000-0000-4000-8000-000000000001';

/**
 * The fee account: where trading fees are paid (see settlement.ts). A system account like the
 * external one, but it only ever receives (its balances never go negative), and transfers cannot
 * address it.
 */
export const FEE_ACCOUNT_ID = '00000000-0000-4000-8000-000000000002';

/** The accounts whose balances are their ledger sums (see keepsBalanceRows). */
export const SYSTEM_ACCOUNT_IDS: readonly string[] = [EXTERNAL_ACCOUNT_ID, FEE_ACCOUNT_ID];

/**
 * Whether an account's balances are rows that journals update and check: every account's but the
 * two system accounts'. Their balances are the sums of their ledger entries. The external system
 * may go negative, so there is nothing to check; the fee account only ever receives (fees are
 * credits, transfers cannot reach it), so there is nothing to check either, and a row would be
 * one that every trade of every market locks until it commits: markets could not trade in
 * parallel.
 */
export function keepsBalanceRows(accountId: string): boolean {
  return !SYSTEM_ACCOUNT_IDS.includes(accountId);
}

/** Throws unless every asset's postings sum to zero: a journal that creates or destroys money is a bug. */
export function assertBalanced(journal: Journal): void {
  const sums = new Map<string, Dec>();
  for (const p of journal.postings) sums.set(p.asset, (sums.get(p.asset) ?? new Dec(0)).plus(p.amount));
  for (const [asset, sum] of sums) if (!sum.isZero()) throw new Error(`unbalanced journal ${journal.id}: ${asset} sums to ${sum.toFixed()}`);
}

/**
 * What journals do to one balance row that must never go negative: the net change of each bucket,
 * and the lowest each bucket's running change reaches when the journals apply one after another
 * (never above zero). A row may take the journals at once exactly when `available + lowestAvailable`
 * and `held + lowestHeld` are not negative: then no journal, applied in turn, took it below zero.
 */
export interface BalanceChange {
  readonly accountId: string;
  readonly asset: string;
  readonly available: Dec;
  readonly held: Dec;
  readonly lowestAvailable: Dec;
  readonly lowestHeld: Dec;
}

/**
 * A journal's effect on the balances that must never go negative, one change per (account,
 * asset), in one fixed order (by account, then asset): a store applies them in this order, each
 * refused if it would take `available` or `held` below zero, so concurrent journals never
 * deadlock and no balance but the external system's ever goes negative.
 */
export function balanceChanges(journal: Journal): BalanceChange[] {
  return netBalanceChanges([journal]);
}

/**
 * The effect of several journals on the balances that must never go negative (as
 * balanceChanges, summed per account and asset, in the same fixed order). A batch is checked and
 * applied as one, with the same outcome as applying its journals one after another in the given
 * order: each row's lowest running change is checked too, so a hold that a later release in the
 * batch returns must still fit before it.
 */
export function netBalanceChanges(journals: readonly Journal[]): BalanceChange[] {
  const zero = new Dec(0);
  const changes = new Map<string, { accountId: string; asset: string; available: Dec; held: Dec; lowestAvailable: Dec; lowestHeld: Dec }>();
  for (const journal of journals) {
    assertBalanced(journal);
    const touched = new Set<string>();
    for (const p of journal.postings) {
      if (!keepsBalanceRows(p.accountId)) continue;
      const key = `${p.accountId}/${p.asset}`;
      const change = changes.get(key) ?? { accountId: p.accountId, asset: p.asset, available: zero, held: zero, lowestAvailable: zero, lowestHeld: zero };
      change[p.bucket] = change[p.bucket].plus(p.amount);
      changes.set(key, change);
      touched.add(key);
    }
    // A journal applies at once: the running change is looked at between journals, not between postings.
    for (const key of touched) {
      const change = changes.get(key)!;
      if (change.available.lt(change.lowestAvailable)) change.lowestAvailable = change.available;
      if (change.held.lt(change.lowestHeld)) change.lowestHeld = change.held;
    }
  }
  return [...changes.keys()].sort().map((key) => changes.get(key)!);
}

/** Moves `amount` between two (account, bucket) places; the result always balances. */
function journal(id: string, kind: JournalKind, reference: string | null, at: Date, asset: AssetCode, amount: Dec, from: Omit<Posting, 'asset' | 'amount'>, to: Omit<Posting, 'asset' | 'amount'>): Journal {
  const value = amount.toFixed();
  return {
    id, kind, reference, createdAt: at,
    postings: [
      { ...from, asset, amount: '-' + value },
      { ...to, asset, amount: value },
    ],
  };
}

/** Funding from the external system into an account's available balance (its reference is the deposit's record's, not the journal's). */
export function depositJournal(id: string, accountId: string, asset: AssetCode, amount: Dec, at: Date): Journal {
  return journal(id, 'DEPOSIT', null, at, asset, amount, { accountId: EXTERNAL_ACCOUNT_ID, bucket: 'available' }, { accountId, bucket: 'available' });
}

/** Reserves funds for an order: available → held. */
export function holdJournal(id: string, orderId: string, accountId: string, asset: AssetCode, amount: Dec, at: Date): Journal {
  return journal(id, 'ORDER_HOLD', orderId, at, asset, amount, { accountId, bucket: 'available' }, { accountId, bucket: 'held' });
}

/** Returns an order's reserved funds: held → available. */
export function releaseJournal(id: string, orderId: string, accountId: string, asset: AssetCode, amount: Dec, at: Date): Journal {
  return journal(id, 'ORDER_RELEASE', orderId, at, asset, amount, { accountId, bucket: 'held' }, { accountId, bucket: 'available' });
}

/** A final transfer of available funds between two accounts. */
export function transferJournal(id: string, transferId: string, fromAccountId: string, toAccountId: string, asset: AssetCode, amount: Dec, at: Date): Journal {
  return journal(id, 'TRANSFER', transferId, at, asset, amount, { accountId: fromAccountId, bucket: 'available' }, { accountId: toAccountId, bucket: 'available' });
}
