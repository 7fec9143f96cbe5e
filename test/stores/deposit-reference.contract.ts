import { randomBytes } from 'node:crypto';
import { MAX_DEPOSIT_REFERENCE_LENGTH, UserErrorCode, type DomainResult, type DomainServices } from '../../src/domain';
import type { TestDatabase } from '../helpers/database';
import { balancesOf, fundedAccount } from '../helpers/domain';
import { CLEAN_RECONCILIATION } from '../helpers/ledger-checks';

const codes = (r: DomainResult<unknown>) => (r.ok ? [] : r.errors.map((e) => e.code));
/** A reference no other test uses (the index is global: one deposit per reference in the database). */
const freshReference = (prefix = 'wire') => `${prefix}-${randomBytes(6).toString('hex')}`;

/** What the ledger holds for an account: its DEPOSIT journals and their credits to it. */
async function depositsOf(db: TestDatabase, accountId: string): Promise<{ journals: number; credited: string[] }> {
  const rows = await db.driver.query<{ amount: string }>(
    `SELECT e.amount::text AS amount FROM ledger_entries e JOIN journals j ON j.id = e.journal_id
     WHERE e.account_id = $1 AND j.kind = 'DEPOSIT' ORDER BY e.id`,
    [accountId],
  );
  return { journals: rows.length, credited: rows.map((r) => String(Number(r.amount))) };
}

/**
 * Deposits with a reference are posted once per reference, decided by the unique index (so also
 * under concurrency); the same deposit again returns the original, another one is refused.
 * `get` gives the suite's database and services once they are open.
 */
export function defineDepositReferenceContract(get: () => { db: TestDatabase; services: DomainServices }): void {
  test('the same reference twice credits once: the second call returns the original deposit, marked replayed', async () => {
    const { db, services } = get();
    const id = await fundedAccount(services);
    const reference = freshReference();
    const first = await services.accounts.deposit(id, 'USD', '250.50', { reference });
    if (!first.ok) throw new Error(JSON.stringify(first.errors));
    expect(first.value).toEqual({
      deposit: { journalId: expect.any(String), accountId: id, asset: 'USD', amount: '250.5', reference, createdAt: expect.any(Date) },
      replayed: false, balance: { asset: 'USD', available: '250.5', held: '0' },
    });
    // Written as another decimal of the same amount: the same deposit.
    const again = await services.accounts.deposit(id, 'USD', '250.500', { reference });
    expect(again).toEqual({ ok: true, value: { deposit: first.value.deposit, replayed: true, balance: { asset: 'USD', available: '250.5', held: '0' } } });
    expect(await depositsOf(db, id)).toEqual({ journals: 1, credited: ['250.5'] });
    expect(await services.accounts.findDeposit(reference)).toEqual(first.value.deposit);
    expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  });

  test('concurrent deposits with one reference post exactly one journal; every other one gets it back', async () => {
    const { db, services } = get();
    const id = await fundedAccount(services);
    const reference = freshReference('race');
    const results = await Promise.all(Array.from({ length: 12 }, () => services.accounts.deposit(id, 'BTC', '0.25', { reference })));
    const outcomes = results.map((r) => {
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
      return r.value;
    });
    expect(outcomes.filter((o) => !o.replayed)).toHaveLength(1);
    const posted = outcomes.find((o) => !o.replayed)!.deposit;
    expect(outcomes.map((o) => o.deposit)).toEqual(Array.from({ length: 12 }, () => posted));
    expect(await depositsOf(db, id)).toEqual({ journals: 1, credited: ['0.25'] });
    expect(await balancesOf(services, id)).toMatchObject({ BTC: { available: '0.25', held: '0' } });
    expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  });

  test('concurrent deposits with one reference but other accounts, assets or amounts: one posts, the others are refused and post nothing', async () => {
    const { db, services } = get();
    const [a, b] = [await fundedAccount(services), await fundedAccount(services)];
    const reference = freshReference('race');
    const asks: Array<[string, string, string]> = [[a, 'USD', '10'], [b, 'USD', '10'], [a, 'ETH', '10'], [a, 'USD', '11'], [b, 'ETH', '12']];
    const results = await Promise.all(asks.flatMap((ask) => [ask, ask]).map(([account, asset, amount]) => services.accounts.deposit(account, asset, amount, { reference })));
    const posted = results.filter((r) => r.ok && !r.value.replayed);
    expect(posted).toHaveLength(1);
    const winner = posted[0].ok ? posted[0].value.deposit : null;
    // The winner's twin replays it; every other ask is refused.
    expect(results.filter((r) => r.ok && r.value.replayed).map((r) => r.ok && r.value.deposit)).toEqual([winner]);
    expect(results.filter((r) => !r.ok).map(codes)).toEqual(Array.from({ length: 8 }, () => [UserErrorCode.DEPOSIT_REFERENCE_MISMATCH]));
    const [ledgerA, ledgerB] = [await depositsOf(db, a), await depositsOf(db, b)];
    expect(ledgerA.journals + ledgerB.journals).toBe(1);
    expect([...ledgerA.credited, ...ledgerB.credited]).toEqual([String(Number(winner!.amount))]);
    expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  });

  test('a reference used again for another account, asset or amount is refused, naming the original deposit, and posts nothing', async () => {
    const { db, services } = get();
    const id = await fundedAccount(services);
    const other = await fundedAccount(services);
    const reference = freshReference();
    const first = await services.accounts.deposit(id, 'ETH', '3', { reference });
    if (!first.ok) throw new Error(JSON.stringify(first.errors));
    for (const [account, asset, amount] of [[id, 'ETH', '3.1'], [id, 'USD', '3'], [other, 'ETH', '3']]) {
      const refused = await services.accounts.deposit(account, asset, amount, { reference });
      expect(refused).toEqual({ ok: false, errors: [{ code: UserErrorCode.DEPOSIT_REFERENCE_MISMATCH, field: ['reference'], message: expect.stringContaining(first.value.deposit.journalId) }] });
    }
    expect(await depositsOf(db, id)).toEqual({ journals: 1, credited: ['3'] });
    expect(await depositsOf(db, other)).toEqual({ journals: 0, credited: [] });
    expect(await balancesOf(services, id)).toMatchObject({ ETH: { available: '3' }, USD: { available: '0' } });
  });

  test('a malformed reference is refused with INVALID_REFERENCE before anything is posted', async () => {
    const { db, services } = get();
    const id = await fundedAccount(services);
    const bad = ['', ' wire-1', 'wire 1', '-wire', 'wire\n1', 'wіre-1' /* Cyrillic і */, 'wire-1\u200b', 'x'.repeat(MAX_DEPOSIT_REFERENCE_LENGTH + 1), "wire'1", 'wire;1'];
    for (const reference of bad) {
      expect({ reference, codes: codes(await services.accounts.deposit(id, 'USD', '1', { reference })) }).toEqual({ reference, codes: [UserErrorCode.INVALID_REFERENCE] });
    }
    expect(await depositsOf(db, id)).toEqual({ journals: 0, credited: [] });
    const longest = 'A'.repeat(MAX_DEPOSIT_REFERENCE_LENGTH - 10) + randomBytes(5).toString('hex');
    for (const reference of [longest, `0x${randomBytes(32).toString('hex')}`, `ACH:2026/12/03.${randomBytes(3).toString('hex')}_x-1`]) {
      const posted = await services.accounts.deposit(id, 'USD', '1', { reference });
      expect({ reference, posted: posted.ok && !posted.value.replayed }).toEqual({ reference, posted: true });
    }
    expect(await services.accounts.findDeposit('not a reference')).toBeNull();
  });

  test('references are compared exactly: a reference in another case is another deposit', async () => {
    const { db, services } = get();
    const id = await fundedAccount(services);
    const reference = freshReference('Case');
    for (const r of [reference, reference.toUpperCase(), reference.toLowerCase()]) expect((await services.accounts.deposit(id, 'USD', '5', { reference: r })).ok).toBe(true);
    expect(await depositsOf(db, id)).toEqual({ journals: 3, credited: ['5', '5', '5'] });
  });

  test('deposits without a reference are each posted, as before', async () => {
    const { db, services } = get();
    const id = await fundedAccount(services);
    const [first, second] = await Promise.all([services.accounts.deposit(id, 'USD', '7'), services.accounts.deposit(id, 'USD', '7', { reference: null })]);
    expect([first.ok && first.value.replayed, second.ok && second.value.replayed]).toEqual([false, false]);
    expect(await depositsOf(db, id)).toEqual({ journals: 2, credited: ['7', '7'] });
    expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  });

  test('reconcile reports a deposit record that no longer agrees with its journal', async () => {
    const { db, services } = get();
    const id = await fundedAccount(services);
    const deposited = await services.accounts.deposit(id, 'USD', '40', { reference: freshReference() });
    if (!deposited.ok) throw new Error(JSON.stringify(deposited.errors));
    const { journalId } = deposited.value.deposit;
    await db.driver.query('UPDATE deposits SET amount = 41 WHERE journal_id = $1', [journalId]);
    try {
      expect((await services.uow.repo.reconcile()).depositMismatches).toEqual([{ journalId, problem: expect.stringContaining('recorded as 41') }]);
    } finally {
      await db.driver.query('UPDATE deposits SET amount = 40 WHERE journal_id = $1', [journalId]);
    }
    expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  });
}
