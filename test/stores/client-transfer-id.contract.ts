import { randomBytes } from 'node:crypto';
import { UserErrorCode, type DomainResult, type DomainServices, type Transfer } from '../../src/domain';
import type { TestDatabase } from '../helpers/database';
import { balancesOf, fundedAccount } from '../helpers/domain';
import { CLEAN_RECONCILIATION } from '../helpers/ledger-checks';

const codes = (r: DomainResult<unknown>) => (r.ok ? [] : r.errors.map((e) => e.code));
const freshId = (prefix = 'payout') => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Transfers the account sent, oldest first (what the ledger moved out of it). */
async function sentTransfers(db: TestDatabase, accountId: string): Promise<Array<{ amount: string; clientTransferId: string | null }>> {
  const rows = await db.driver.query<{ amount: string; client_transfer_id: string | null }>(
    'SELECT amount::text AS amount, client_transfer_id FROM transfers WHERE from_account_id = $1 ORDER BY seq', [accountId],
  );
  return rows.map((r) => ({ amount: String(Number(r.amount)), clientTransferId: r.client_transfer_id }));
}

/**
 * A transfer's clientTransferId is unique per sending account, for good (its unique index
 * decides, concurrent transfers included): a second transfer with it is refused naming the first,
 * as a reused clientOrderId is. `get` gives the suite's database and services once they are open.
 */
export function defineClientTransferIdContract(get: () => { db: TestDatabase; services: DomainServices }): void {
  test('a second transfer with the same clientTransferId is refused naming the first, and moves nothing', async () => {
    const { db, services } = get();
    const from = await fundedAccount(services, { USD: '100' });
    const to = await fundedAccount(services);
    const clientTransferId = freshId();
    const first = await services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '30', clientTransferId });
    if (!first.ok) throw new Error(JSON.stringify(first.errors));
    expect(first.value).toMatchObject({ fromAccountId: from, toAccountId: to, amount: '30', clientTransferId });
    const again = await services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '30', clientTransferId });
    expect(again).toEqual({ ok: false, errors: [{ code: UserErrorCode.DUPLICATE_CLIENT_TRANSFER_ID, message: expect.stringContaining(`transfer ${first.value.id}`), field: ['input', 'clientTransferId'] }] });
    // Told before INSUFFICIENT_FUNDS: a retry learns that its transfer was made.
    expect(codes(await services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '1000', clientTransferId }))).toEqual([UserErrorCode.DUPLICATE_CLIENT_TRANSFER_ID]);
    expect(await sentTransfers(db, from)).toEqual([{ amount: '30', clientTransferId }]);
    expect(await balancesOf(services, from)).toMatchObject({ USD: { available: '70', held: '0' } });
    expect(await balancesOf(services, to)).toMatchObject({ USD: { available: '30', held: '0' } });
    expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  });

  test('concurrent transfers with one clientTransferId: exactly one moves money, the others are refused', async () => {
    const { db, services } = get();
    const from = await fundedAccount(services, { BTC: '1' });
    const to = await fundedAccount(services);
    const clientTransferId = freshId('race');
    const results = await Promise.all(Array.from({ length: 10 }, () => services.transfers.createTransfer(from, { toAccountId: to, asset: 'BTC', amount: '0.1', clientTransferId })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map(codes)).toEqual(Array.from({ length: 9 }, () => [UserErrorCode.DUPLICATE_CLIENT_TRANSFER_ID]));
    expect(await sentTransfers(db, from)).toEqual([{ amount: '0.1', clientTransferId }]);
    expect(await balancesOf(services, to)).toMatchObject({ BTC: { available: '0.1' } });
    expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  });

  test('the id is the sender\'s: another sender may use it; only the sender finds the transfer by it', async () => {
    const { services } = get();
    const [alice, bob, carol] = [await fundedAccount(services, { USD: '10' }), await fundedAccount(services, { USD: '10' }), await fundedAccount(services)];
    const clientTransferId = freshId('shared');
    const fromAlice = await services.transfers.createTransfer(alice, { toAccountId: carol, asset: 'USD', amount: '1', clientTransferId });
    const fromBob = await services.transfers.createTransfer(bob, { toAccountId: carol, asset: 'USD', amount: '2', clientTransferId });
    if (!fromAlice.ok || !fromBob.ok) throw new Error('transfer refused');
    const found = (account: string): Promise<Transfer | null> => services.transfers.findTransferByClientTransferId(account, clientTransferId);
    expect(await found(alice)).toEqual(fromAlice.value);
    expect(await found(bob)).toEqual(fromBob.value);
    expect(await found(carol)).toBeNull();
    expect(await services.transfers.findTransferByClientTransferId(alice, 'never-used')).toBeNull();
    expect(await services.transfers.findTransferByClientTransferId('not-a-uuid', clientTransferId)).toBeNull();
  });

  test('transfers without a clientTransferId are never refused as duplicates', async () => {
    const { db, services } = get();
    const from = await fundedAccount(services, { USD: '10' });
    const to = await fundedAccount(services);
    for (let i = 0; i < 3; i += 1) expect((await services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '1', clientTransferId: null })).ok).toBe(true);
    expect((await services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '1' })).ok).toBe(true);
    expect(await sentTransfers(db, from)).toEqual(Array.from({ length: 4 }, () => ({ amount: '1', clientTransferId: null })));
  });

  test('a transfer refused for funds leaves its clientTransferId free', async () => {
    const { db, services } = get();
    const from = await fundedAccount(services, { USD: '5' });
    const to = await fundedAccount(services);
    const clientTransferId = freshId();
    expect(codes(await services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '6', clientTransferId }))).toEqual([UserErrorCode.INSUFFICIENT_FUNDS]);
    expect((await services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '5', clientTransferId })).ok).toBe(true);
    expect(await sentTransfers(db, from)).toEqual([{ amount: '5', clientTransferId }]);
    expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  });
}
