import type { AssetCode } from './assets';
import type { Dec } from './decimal';
import type { Journal, JournalKind, Posting } from './types';

/**
 * The external system account: the other side of every deposit. It is the only account
 * whose ledger may go negative (it is not a balance anyone can spend), and it cannot be
 * addressed by transfers.
 */
export const EXTERNAL_ACCOUNT_ID = '00000000-0000-4000-8000-000000000001';

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

/** Funding from the external system into an account's available balance. */
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
