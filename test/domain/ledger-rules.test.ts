/**
 * The ledger's invariants live in the domain, whatever store applies them: a journal balances
 * per asset, only the external system's balances may go negative, and the balance changes of a
 * journal come in one fixed order (so concurrent journals never deadlock).
 */
import { EXTERNAL_ACCOUNT_ID, FEE_ACCOUNT_ID, assertBalanced, balanceChanges, keepsBalanceRows, netBalanceChanges, type Journal } from '../../src/domain';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

function journal(postings: Journal['postings']): Journal {
  return { id: 'j-1', kind: 'TRANSFER', reference: null, createdAt: new Date(0), postings };
}

describe('ledger rules', () => {
  test('a journal whose postings do not sum to zero per asset is refused (it would create or destroy money)', () => {
    expect(() => assertBalanced(journal([
      { accountId: A, bucket: 'available', asset: 'USD', amount: '-10' },
      { accountId: B, bucket: 'available', asset: 'USD', amount: '9.99' },
    ]))).toThrow('unbalanced journal j-1: USD sums to -0.01');
    expect(() => assertBalanced(journal([
      { accountId: A, bucket: 'available', asset: 'USD', amount: '-10' },
      { accountId: B, bucket: 'available', asset: 'BTC', amount: '10' },
    ]))).toThrow('unbalanced');
    expect(() => balanceChanges(journal([{ accountId: A, bucket: 'available', asset: 'USD', amount: '1' }]))).toThrow('unbalanced');
  });

  test('only the external system may go negative', () => {
    // The external system keeps no balance row, so nothing stops its ledger going negative; every user account's rows are checked.
    expect(keepsBalanceRows(EXTERNAL_ACCOUNT_ID)).toBe(false);
    expect(keepsBalanceRows(A)).toBe(true);
  });

  test('balance changes: one per account and asset, buckets summed, the system accounts (external, fees) left out, in a fixed order', () => {
    expect([EXTERNAL_ACCOUNT_ID, FEE_ACCOUNT_ID, A].map(keepsBalanceRows)).toEqual([false, false, true]);
    const changes = balanceChanges(journal([
      { accountId: EXTERNAL_ACCOUNT_ID, bucket: 'available', asset: 'USD', amount: '-5' },
      { accountId: B, bucket: 'available', asset: 'USD', amount: '4.99' },
      { accountId: FEE_ACCOUNT_ID, bucket: 'available', asset: 'USD', amount: '0.01' },
      { accountId: B, bucket: 'available', asset: 'BTC', amount: '-0.1' },
      { accountId: A, bucket: 'held', asset: 'BTC', amount: '0.1' },
      { accountId: A, bucket: 'available', asset: 'BTC', amount: '-0.2' },
      { accountId: A, bucket: 'held', asset: 'BTC', amount: '0.2' },
    ]));
    expect(changes.map((c) => ({ accountId: c.accountId, asset: c.asset, available: c.available.toFixed(), held: c.held.toFixed() }))).toEqual([
      { accountId: A, asset: 'BTC', available: '-0.2', held: '0.3' },
      { accountId: B, asset: 'BTC', available: '-0.1', held: '0' },
      { accountId: B, asset: 'USD', available: '4.99', held: '0' },
    ]);
  });

  test('a batch of journals: net change per row, and the lowest each bucket reaches between journals (what posting them in turn needs)', () => {
    const hold = journal([{ accountId: A, bucket: 'available', asset: 'USD', amount: '-100' }, { accountId: A, bucket: 'held', asset: 'USD', amount: '100' }]);
    const trade = journal([
      { accountId: A, bucket: 'held', asset: 'USD', amount: '-60' }, { accountId: B, bucket: 'available', asset: 'USD', amount: '60' },
      { accountId: B, bucket: 'held', asset: 'BTC', amount: '-0.002' }, { accountId: A, bucket: 'available', asset: 'BTC', amount: '0.002' },
    ]);
    const release = journal([{ accountId: A, bucket: 'held', asset: 'USD', amount: '-40' }, { accountId: A, bucket: 'available', asset: 'USD', amount: '40' }]);
    const view = (journals: Journal[]) => netBalanceChanges(journals).map((c) => [c.accountId, c.asset, c.available.toFixed(), c.held.toFixed(), c.lowestAvailable.toFixed(), c.lowestHeld.toFixed()]);
    expect(view([hold, trade, release])).toEqual([
      [A, 'BTC', '0.002', '0', '0', '0'],
      [A, 'USD', '-60', '0', '-100', '0'],
      [B, 'BTC', '0', '-0.002', '0', '-0.002'],
      [B, 'USD', '60', '0', '0', '0'],
    ]);
    // Released before held (a wrong order): the same net change, but held goes to -40 on the way.
    expect(view([release, hold])[0]).toEqual([A, 'USD', '-60', '60', '-60', '-40']);
    // Within one journal the postings apply together: a release dips nowhere.
    expect(view([release])[0]).toEqual([A, 'USD', '40', '-40', '0', '-40']);
  });
});
