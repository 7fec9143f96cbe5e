import { randomBytes } from 'node:crypto';
import { createSecretBox, recordMasterKey } from '../../../src/domain';
import { openPgliteDatabase, openPostgresDatabase, type TestDatabase } from '../../helpers/database';
import { servicesFor } from '../../helpers/domain';
import { describeWithPostgres } from '../../helpers/services';

/**
 * The database's master key check is set once, by the first start with a key: processes that start
 * together with different keys find one winner (the others are then refused by the runtime), and
 * only `replace` (adopting a key on purpose) changes it.
 */
function defineMasterKeyCheckSuite(name: string, openDatabase: () => Promise<TestDatabase>) {
  describe(`the master key check (${name})`, () => {
    let db: TestDatabase;
    beforeEach(async () => {
      db = await openDatabase();
    });
    afterEach(async () => db?.close());

    test('the first key sets it; another key finds it set; replacing it makes the other key the database\'s', async () => {
      const { uow } = servicesFor(db.driver);
      const [first, second] = [createSecretBox(randomBytes(32)), createSecretBox(randomBytes(32))];
      expect(await uow.repo.readMasterKeyCheck()).toBeNull();
      expect(await recordMasterKey(uow, first, 'if absent')).toBe(true);
      expect(await recordMasterKey(uow, second, 'if absent')).toBe(false);
      expect(await recordMasterKey(uow, first, 'if absent')).toBe(true);
      expect(await recordMasterKey(uow, second, 'replace')).toBe(true);
      expect(await recordMasterKey(uow, first, 'if absent')).toBe(false);
    });

    test('eight starts at once with eight keys: exactly one key is the database\'s', async () => {
      const { uow } = servicesFor(db.driver);
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => recordMasterKey(uow, createSecretBox(randomBytes(32)), 'if absent')));
      expect(outcomes.filter(Boolean)).toHaveLength(1);
    });
  });
}

defineMasterKeyCheckSuite('PGlite', openPgliteDatabase);
describeWithPostgres('on PostgreSQL', (url) => defineMasterKeyCheckSuite('PostgreSQL', () => openPostgresDatabase(url)));
