import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommitOutcomeUnknownError, type Account, type UnitOfWork } from '../../../src/domain';
import { createSqlStores, type SqlDriver } from '../../../src/stores/postgres';
import { openPgliteDatabase, openPostgresDatabase, type TestDatabase } from '../../helpers/database';
import { describeWithPostgres } from '../../helpers/services';
import { eventually } from '../../helpers/eventually';
import { loggedDriver, type LoggedDriver } from '../../helpers/statement-log';

const newAccount = (): Account => ({ id: randomUUID(), name: `uow-${randomUUID()}`, createdAt: new Date() });
/** The statements of a transaction with each account insert (and its balance rows) as 'INSERT account'. */
const shape = (statements: string[]) => statements
  .filter((s) => !s.startsWith('INSERT INTO balances'))
  .map((s) => (s.startsWith('INSERT INTO accounts') ? 'INSERT account' : s));

/** How nested `uow.transaction()` calls run: savepoints by default, joined flat on request. */
function defineUnitOfWorkSuite(name: string, open: () => Promise<TestDatabase>): void {
  describe(`SQL unit of work: ${name}`, () => {
    let db: TestDatabase;
    let driver: LoggedDriver;
    let uow: UnitOfWork;
    beforeAll(async () => {
      db = await open();
      driver = loggedDriver(db.driver);
      ({ uow } = createSqlStores(driver));
    });
    afterAll(async () => db?.close());

    const exists = async (account: Account) => (await uow.repo.findAccount(account.id)) !== null;

    test('afterCommit tasks run once the outermost transaction committed (a nested call\'s too), before it resolves; none after a rollback', async () => {
      const account = newAccount();
      const seen: string[] = [];
      const statements = await driver.statementsOf(() => uow.transaction(async (repo, scope) => {
        scope.afterCommit(async () => { seen.push(`outer sees the row: ${await exists(account)}`); });
        await uow.transaction(async (nested, inner) => {
          await nested.insertAccount(account);
          inner.afterCommit(async () => { seen.push('nested'); });
        });
        seen.push('work done');
        void repo;
      }, { nested: 'join' }));
      // The task's read went out after COMMIT, on its own (not the transaction's) connection.
      const commit = statements.indexOf('COMMIT');
      expect(commit).toBeGreaterThan(0);
      expect(statements.slice(commit + 1)).toEqual([expect.stringMatching(/FROM accounts/)]);
      expect(seen).toEqual(['work done', 'outer sees the row: true', 'nested']);
      const rolledBack: string[] = [];
      await expect(uow.transaction(async (_repo, scope) => {
        scope.afterCommit(async () => { rolledBack.push('ran'); });
        throw new Error('refused');
      })).rejects.toThrow('refused');
      expect(rolledBack).toEqual([]);
    });

    test('a failing afterCommit task is reported, the later ones still run, and the call resolves with what committed', async () => {
      const account = newAccount();
      const reported: unknown[] = [];
      const { uow: reporting } = createSqlStores(driver, { onAfterCommitFailure: (error) => reported.push(error) });
      const later: string[] = [];
      const answer = await reporting.transaction(async (repo, scope) => {
        await repo.insertAccount(account);
        scope.afterCommit(async () => { throw new Error('redis down'); });
        scope.afterCommit(async () => { later.push('ran'); });
        return 'the result';
      });
      expect(answer).toBe('the result');
      expect(reported).toEqual([new Error('redis down')]);
      expect(later).toEqual(['ran']);
      expect(await exists(account)).toBe(true);
    });

    test('when the COMMIT\'s outcome is unknown, the afterCommit tasks run (it may have committed) before the call rejects with it', async () => {
      // The connection is lost during COMMIT, after PostgreSQL committed: the writes are there, the
      // caller is told it cannot know. A task such as a revoked key's version renewal must run.
      const lost: SqlDriver = {
        ...driver,
        begin: async (work) => {
          await driver.begin(work);
          throw new CommitOutcomeUnknownError(new Error('Connection terminated unexpectedly'));
        },
      };
      const { uow: losing } = createSqlStores(lost);
      const account = newAccount();
      const ran: string[] = [];
      await expect(losing.transaction(async (repo, scope) => {
        await repo.insertAccount(account);
        scope.afterCommit(async () => { ran.push(`renewed, the row there: ${await exists(account)}`); });
      })).rejects.toBeInstanceOf(CommitOutcomeUnknownError);
      expect(ran).toEqual(['renewed, the row there: true']);
    });

    test('when the client gave up before a COMMIT that lands later, the afterCommit tasks run again once it has landed', async () => {
      // The read timeout ends the wait while PostgreSQL is still committing (a slow flush): the
      // first run is too early for other processes to see the revocation it announces.
      let committed = false;
      const slowCommit: SqlDriver = {
        ...driver,
        begin: (work) => new Promise((_resolve, reject) => {
          void driver.begin(async (tx) => {
            const result = await work(tx);
            reject(new CommitOutcomeUnknownError(new Error('no answer to COMMIT within the read timeout')));
            await sleep(50);
            return result;
          }).then(() => { committed = true; });
        }),
      };
      const { uow: giving } = createSqlStores(slowCommit, { commitSettleMs: 300 });
      const account = newAccount();
      const runs: string[] = [];
      await expect(giving.transaction(async (repo, scope) => {
        await repo.insertAccount(account);
        scope.afterCommit(async () => { runs.push(committed ? 'after the commit' : 'before it'); });
      })).rejects.toBeInstanceOf(CommitOutcomeUnknownError);
      expect(runs).toEqual(['before it']);
      await eventually(async () => expect(runs).toEqual(['before it', 'after the commit']), 3_000, 20);
      expect(await exists(account)).toBe(true);
    });

    test('by default a nested call is a savepoint: its failure undoes only its own writes and the outer work commits', async () => {
      const [kept, undone] = [newAccount(), newAccount()];
      const statements = await driver.statementsOf(() => uow.transaction(async (repo) => {
        await repo.insertAccount(kept);
        await expect(uow.transaction(async (nested) => {
          await nested.insertAccount(undone);
          throw new Error('refused');
        })).rejects.toThrow('refused');
      }));
      expect(shape(statements)).toEqual(['BEGIN', 'INSERT account', 'SAVEPOINT sp_1', 'INSERT account', 'ROLLBACK TO SAVEPOINT sp_1', 'COMMIT']);
      expect([await exists(kept), await exists(undone)]).toEqual([true, false]);
    });

    test("nested: 'join' runs nested calls in the outer transaction with no statement of their own", async () => {
      const [outer, inner] = [newAccount(), newAccount()];
      const statements = await driver.statementsOf(() => uow.transaction(async (repo, tx) => {
        await repo.insertAccount(outer);
        await uow.transaction((nested) => nested.insertAccount(inner));
        expect(tx.rollbackOnly).toBe(false);
      }, { nested: 'join' }));
      expect(shape(statements)).toEqual(['BEGIN', 'INSERT account', 'INSERT account', 'COMMIT']);
      expect([await exists(outer), await exists(inner)]).toEqual([true, true]);
    });

    test('a joined call that fails propagates its error and leaves the transaction rollback-only: no further statement runs', async () => {
      const [outer, inner, late] = [newAccount(), newAccount(), newAccount()];
      const signal = new Error('roll back');
      const statements = await driver.statementsOf(() => expect(uow.transaction(async (repo, tx) => {
        await repo.insertAccount(outer);
        await expect(uow.transaction(async (nested) => {
          await nested.insertAccount(inner);
          throw new Error('refused');
        })).rejects.toThrow('refused');
        expect(tx.rollbackOnly).toBe(true);
        await expect(repo.insertAccount(late)).rejects.toThrow('rollback-only');
        throw signal;
      }, { nested: 'join' })).rejects.toBe(signal));
      expect(shape(statements)).toEqual(['BEGIN', 'INSERT account', 'INSERT account', 'ROLLBACK']);
      expect([await exists(outer), await exists(inner), await exists(late)]).toEqual([false, false, false]);
    });

    test('a rollback-only transaction whose work returns normally is rolled back, not committed, and rejects', async () => {
      const [outer, inner] = [newAccount(), newAccount()];
      await expect(uow.transaction(async (repo) => {
        await repo.insertAccount(outer);
        // The failure is swallowed: the partial writes must still not commit.
        await uow.transaction(async (nested) => {
          await nested.insertAccount(inner);
          throw new Error('refused');
        }).catch(() => undefined);
        return 'done';
      }, { nested: 'join' })).rejects.toThrow('rolled back, not committed');
      expect([await exists(outer), await exists(inner)]).toEqual([false, false]);
    });

    test('a nested call cannot switch to the other mode', async () => {
      await expect(uow.transaction(() => uow.transaction(async () => 'x', { nested: 'join' }))).rejects.toThrow("the top-level transaction chose 'savepoint'");
      await expect(uow.transaction(() => uow.transaction(async () => 'x', { nested: 'savepoint' }), { nested: 'join' })).rejects.toThrow("the top-level transaction chose 'join'");
    });
  });
}

defineUnitOfWorkSuite('PGlite (in memory)', openPgliteDatabase);
describeWithPostgres('PostgreSQL', (url) => defineUnitOfWorkSuite('PostgreSQL', () => openPostgresDatabase(url)));
