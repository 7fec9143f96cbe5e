import { randomBytes } from 'node:crypto';
import { ALL_SCOPES, ActingKeyRevokedError, actingAs, createDomainServices, createSecretBox, type DomainServices, type UnitOfWork } from '../../src/domain';
import { createSqlStores } from '../../src/stores/postgres';
import { ACCOUNT_LOCK_KEY_SPACE, accountLockKeys } from '../../src/stores/postgres/sql-account-locks';
import { openPgliteDatabase, openPostgresDatabase, type TestDatabase } from '../helpers/database';
import { balancesOf, fundedAccount, servicesFor } from '../helpers/domain';
import { CLEAN_RECONCILIATION } from '../helpers/ledger-checks';
import { describeWithPostgres } from '../helpers/services';
import { loggedDriver } from '../helpers/statement-log';

/**
 * Once revokeApiKey answers, nothing signed with the key takes effect: a request that verified
 * before the revocation and reaches its transaction after it writes nothing, and a revocation
 * that arrives while such a transaction runs answers only after it committed (so the owner's
 * next read or cancelAllOrders sees it). The transport runs a signed request's resolvers acting
 * with its key (actingAs); here the domain services are called the same way.
 */
async function keyOf(services: DomainServices, accountId: string): Promise<string> {
  const created = await services.apiKeys.createApiKey(accountId, { label: 'in-flight', scopes: ALL_SCOPES, algorithm: 'ed25519' });
  if (!created.ok) throw new Error(JSON.stringify(created.errors));
  return created.value.apiKey.id;
}

function examples(open: () => Promise<TestDatabase>) {
  let db: TestDatabase;
  let services: DomainServices;
  beforeAll(async () => {
    db = await open();
    services = servicesFor(db.driver);
  }, 60_000);
  afterAll(async () => db?.close());

  test('a transfer signed with a key revoked after it verified writes nothing', async () => {
    const from = await fundedAccount(services, { USD: '100' }, 'revoked-from');
    const to = await fundedAccount(services, {}, 'revoked-to');
    const key = await keyOf(services, from);
    expect((await services.apiKeys.revokeApiKey(from, key)).ok).toBe(true);
    await expect(actingAs(key, () => services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '10' }))).rejects.toBeInstanceOf(ActingKeyRevokedError);
    expect((await balancesOf(services, from)).USD).toEqual({ available: '100', held: '0' });
    expect((await services.transfers.listTransfers(from, { limit: 10 })).items).toEqual([]);
  });

  test('an order and a new API key alike; a live key goes through', async () => {
    const account = await fundedAccount(services, { USD: '100000' }, 'revoked-orders');
    const live = await keyOf(services, account);
    const revoked = await keyOf(services, account);
    expect((await services.apiKeys.revokeApiKey(account, revoked)).ok).toBe(true);
    const order = { market: 'BTC-USD', side: 'BUY' as const, type: 'LIMIT' as const, price: '100', quantity: '0.01' };
    await expect(actingAs(revoked, () => services.orders.placeOrder(account, order))).rejects.toBeInstanceOf(ActingKeyRevokedError);
    await expect(actingAs(revoked, () => services.apiKeys.createApiKey(account, { label: 'minted', scopes: ALL_SCOPES, algorithm: 'ed25519' }))).rejects.toBeInstanceOf(ActingKeyRevokedError);
    expect((await services.orders.listOrders(account, { limit: 10 })).items).toEqual([]);
    expect((await services.apiKeys.listApiKeys(account)).map((k) => k.label)).toEqual(['in-flight', 'in-flight']);
    const placed = await actingAs(live, () => services.orders.placeOrder(account, order));
    expect(placed.ok).toBe(true);
  });

  test('a key may revoke itself; a revoked key revokes nothing', async () => {
    const account = await fundedAccount(services, {}, 'revoked-self');
    const a = await keyOf(services, account);
    const owner = await keyOf(services, account);
    const stolen = await keyOf(services, account);
    expect((await actingAs(a, () => services.apiKeys.revokeApiKey(account, a))).ok).toBe(true);
    // The owner revokes the stolen key; the thief's revocation of the owner's key, verified before,
    // runs after: refused, and the owner's key stays live (before, both succeeded).
    expect((await actingAs(owner, () => services.apiKeys.revokeApiKey(account, stolen))).ok).toBe(true);
    await expect(actingAs(stolen, () => services.apiKeys.revokeApiKey(account, owner))).rejects.toBeInstanceOf(ActingKeyRevokedError);
    expect((await services.apiKeys.listApiKeys(account)).find((k) => k.id === owner)?.revokedAt).toBeNull();
  });

  test('of two keys revoking each other at once, one wins and the other is refused as revoked, in either id order, without a deadlock', async () => {
    for (let round = 0; round < 4; round += 1) {
      const account = await fundedAccount(services, {}, `revoked-mutual-${round}`);
      const b = await keyOf(services, account);
      const c = await keyOf(services, account);
      const outcomes = await Promise.allSettled([
        actingAs(b, () => services.apiKeys.revokeApiKey(account, c)),
        actingAs(c, () => services.apiKeys.revokeApiKey(account, b)),
      ]);
      const won = outcomes.filter((o) => o.status === 'fulfilled' && o.value.ok);
      const refused = outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof ActingKeyRevokedError);
      expect([won.length, refused.length]).toEqual([1, 1]);
      expect((await services.apiKeys.listApiKeys(account)).filter((k) => k.revokedAt === null)).toHaveLength(1);
    }
  });

  /** An account with a key, a payee, and a 10 USD transfer signed with the key. */
  async function signedTransfers(name: string) {
    const from = await fundedAccount(services, { USD: '100' }, `${name}-from`);
    const to = await fundedAccount(services, {}, `${name}-to`);
    const key = await keyOf(services, from);
    const move = () => actingAs(key, () => services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '10' }));
    return { from, to, key, move };
  }

  test('a key held by earlier transactions is refused once revoked, through any services over the database', async () => {
    const { from, to, key, move } = await signedTransfers('held');
    expect((await move()).ok).toBe(true);
    expect((await move()).ok).toBe(true);
    // Revoked through other services (their own repository) over the same database.
    expect((await servicesFor(db.driver).apiKeys.revokeApiKey(from, key)).ok).toBe(true);
    await expect(move()).rejects.toBeInstanceOf(ActingKeyRevokedError);
    expect((await balancesOf(services, to)).USD.available).toBe('20');
  });

  test('a revocation that rolls back leaves the key live', async () => {
    const { from, key, move } = await signedTransfers('unrevoked');
    expect((await move()).ok).toBe(true);
    await expect(services.uow.transaction(async (repo) => {
      expect(await repo.revokeApiKey(key, from, () => new Date(), null)).not.toBeNull();
      throw new Error('rolled back after the revocation');
    })).rejects.toThrow('rolled back after the revocation');
    expect((await move()).ok).toBe(true);
    expect((await services.apiKeys.listApiKeys(from)).map((k) => k.revokedAt)).toEqual([null]);
  });
}

/** The api_keys statements a signed transfer sends with a key that earlier transfers held. */
async function keyStatementsOfRepeatedTransfer(open: () => Promise<TestDatabase>): Promise<string[]> {
  const db = await open();
  try {
    const driver = loggedDriver(db.driver);
    const services = servicesFor(driver);
    const from = await fundedAccount(services, { USD: '100' }, 'count-from');
    const to = await fundedAccount(services, {}, 'count-to');
    const key = await keyOf(services, from);
    const move = () => actingAs(key, () => services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '1' }));
    await move();
    return (await driver.statementsOf(move)).filter((text) => text.includes('api_keys'));
  } finally {
    await db.close();
  }
}

const KEY_HOLD = 'SELECT 1 FROM api_keys WHERE id = $1 AND revoked_at IS NULL FOR KEY SHARE';

// PGlite runs one transaction at a time, so a key found live stays so until a revocation (which
// forgets it) runs: no row lock to take (serialized-key-holds.ts). PostgreSQL takes it every time.
test('on PGlite a key held once costs no statement in the transactions after', async () => {
  expect(await keyStatementsOfRepeatedTransfer(openPgliteDatabase)).toEqual([]);
});

describe('a revoked key\'s requests in flight (PGlite)', () => examples(openPgliteDatabase));

describeWithPostgres('a revoked key\'s requests in flight (PostgreSQL)', (url) => {
  describe('one at a time', () => examples(() => openPostgresDatabase(url)));

  test('every transaction holds the key row', async () => {
    expect(await keyStatementsOfRepeatedTransfer(() => openPostgresDatabase(url))).toEqual([KEY_HOLD]);
  });

  describe('concurrently', () => {
    let db: TestDatabase;
    let services: DomainServices;
    beforeAll(async () => {
      db = await openPostgresDatabase(url, { maxConnections: 6 });
      services = servicesFor(db.driver);
    });
    afterAll(async () => db?.close());

    /**
     * The backend that waits for a lock `holder` (a backend's pid) holds, once one does. Only this
     * test's backends: the database is shared with other suites, whose lock waits do not count.
     */
    async function blockedBy(holder: number): Promise<number> {
      for (;;) {
        const rows = await db.driver.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [holder]);
        if (rows.length > 0) return rows[0].pid;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }

    /** Holds `accountId`'s account lock (a session lock on a connection of its own) until released. */
    async function holdAccountLock(accountId: string): Promise<{ pid: number; release(): Promise<void> }> {
      const locker = await openPostgresDatabase(url, { maxConnections: 1 });
      const key = [ACCOUNT_LOCK_KEY_SPACE, accountLockKeys([accountId])[0]];
      await locker.driver.query('SELECT pg_advisory_lock($1, $2)', key);
      const [{ pid }] = await locker.driver.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      return {
        pid,
        async release() {
          await locker.driver.query('SELECT pg_advisory_unlock($1, $2)', key);
          await locker.close();
        },
      };
    }

    test('a revocation during a transfer signed with the key answers after the transfer committed', async () => {
      const from = await fundedAccount(services, { USD: '100' }, 'inflight-from');
      const to = await fundedAccount(services, {}, 'inflight-to');
      const key = await keyOf(services, from);
      const lock = await holdAccountLock(from);
      const settled: string[] = [];
      const transfer = actingAs(key, () => services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '10' }))
        .then((result) => { settled.push('transfer'); return result; });
      const transferring = await blockedBy(lock.pid); // the transfer holds the key and waits for the account
      const revocation = services.apiKeys.revokeApiKey(from, key).then((result) => { settled.push('revocation'); return result; });
      await blockedBy(transferring); // the revocation waits for the transfer
      expect(settled).toEqual([]);
      await lock.release();
      const [moved, revoked] = await Promise.all([transfer, revocation]);
      expect(moved.ok && revoked.ok).toBe(true);
      expect(settled).toEqual(['transfer', 'revocation']);
      expect((await balancesOf(services, to)).USD.available).toBe('10');
      await expect(actingAs(key, () => services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '10' }))).rejects.toBeInstanceOf(ActingKeyRevokedError);
      expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
    }, 20_000);

    test('the recorded revocation time is when it took effect, after the transactions it waited for: never before what the key did (incident review)', async () => {
      // The clock reads T0 while the revocation waits for the transfer holding the key, T1 once it may go on.
      let now = new Date('2026-01-01T00:00:00.000Z');
      const clocked = servicesFor(db.driver, { clock: () => now });
      const from = await fundedAccount(clocked, { USD: '100' }, 'inflight-time-from');
      const to = await fundedAccount(clocked, {}, 'inflight-time-to');
      const key = await keyOf(clocked, from);
      const lock = await holdAccountLock(from);
      const transfer = actingAs(key, () => clocked.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '10' }));
      const transferring = await blockedBy(lock.pid);
      const revocation = clocked.apiKeys.revokeApiKey(from, key);
      await blockedBy(transferring);
      now = new Date('2026-01-01T00:00:05.000Z');
      await lock.release();
      const [moved, revoked] = await Promise.all([transfer, revocation]);
      if (!moved.ok || !revoked.ok) throw new Error('transfer or revocation failed');
      expect(revoked.value.revokedAt).toEqual(now);
      expect(revoked.value.revokedAt!.getTime()).toBeGreaterThanOrEqual(moved.value.createdAt.getTime());
    }, 20_000);

    test('a transfer that reaches its transaction while the revocation runs waits for it, then writes nothing', async () => {
      const from = await fundedAccount(services, { USD: '100' }, 'inflight2-from');
      const to = await fundedAccount(services, {}, 'inflight2-to');
      const key = await keyOf(services, from);
      // The revocation's transaction held open: its row lock is taken, its commit has not happened.
      let commit!: () => void;
      const committing = new Promise<void>((resolve) => { commit = resolve; });
      let locked!: (pid: number) => void;
      const rowLocked = new Promise<number>((resolve) => { locked = resolve; });
      const revocation = db.driver.begin(async (tx) => {
        await tx.query('WITH target AS (SELECT id FROM api_keys WHERE id = $1 FOR UPDATE) UPDATE api_keys SET revoked_at = now() FROM target WHERE api_keys.id = target.id', [key]);
        const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        locked(pid);
        await committing;
      });
      const revoking = await rowLocked;
      const transfer = actingAs(key, () => services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '10' })).catch((error: unknown) => error);
      await blockedBy(revoking); // the transfer waits for the revocation's row lock
      commit();
      await revocation;
      expect(await transfer).toBeInstanceOf(ActingKeyRevokedError);
      expect((await balancesOf(services, from)).USD).toEqual({ available: '100', held: '0' });
    }, 20_000);
  });
});

/**
 * Embedded PGlite keeps verification material in memory (one process): a revocation forgets the
 * key before its UPDATE and again once it returned. The second forget is what drops material a
 * signed request read in between (after the first forget, before the revocation's transaction):
 * kept, that entry, read live, would verify the revoked key until a restart. A mutation testing
 * review removed it and every test passed.
 */
describe('a key read while its revocation is on its way is not remembered (PGlite, cached material)', () => {
  test('material loaded after the first forget and before the UPDATE is dropped by the second', async () => {
    const db = await openPgliteDatabase();
    try {
      const sql = createSqlStores(db.driver);
      let beforeNextTransaction: (() => Promise<void>) | null = null;
      const uow: UnitOfWork = {
        repo: sql.uow.repo,
        transaction: async (work, options) => {
          const hook = beforeNextTransaction;
          beforeNextTransaction = null;
          if (hook) await hook();
          return sql.uow.transaction(work, options);
        },
      };
      const services = createDomainServices({ uow, secretBox: createSecretBox(randomBytes(32)), cacheVerificationKeys: true });
      const accountId = await fundedAccount(services, {}, 'forget-twice');
      const keyId = await keyOf(services, accountId);
      let raced: Awaited<ReturnType<DomainServices['apiKeys']['loadVerificationMaterial']>> = null;
      // A signed request verifying now reads the row as it still is: live.
      beforeNextTransaction = async () => {
        raced = await services.apiKeys.loadVerificationMaterial(keyId);
      };
      expect((await services.apiKeys.revokeApiKey(accountId, keyId)).ok).toBe(true);
      expect(raced).toMatchObject({ apiKey: { revokedAt: null } });
      // The next request finds the key revoked, not the entry read on the way.
      expect(await services.apiKeys.loadVerificationMaterial(keyId)).toMatchObject({ apiKey: { id: keyId, revokedAt: expect.any(Date) } });
    } finally {
      await db.close();
    }
  });
});
