/**
 * The lock that keeps a PostgreSQL database served without Redis to one server process: a second
 * is refused while the first holds it, another schema is another lock, a released or dead holder
 * frees it, and a holder whose connection is cut is told it lost it.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { SingleProcessLockHeld, acquireSingleProcessLock } from '../../../src/stores/postgres';
import { describeWithPostgres } from '../../helpers/services';

describeWithPostgres('the single-process lock (PostgreSQL without Redis)', (url) => {
  const withSchema = (schema: string) => {
    const u = new URL(url);
    u.searchParams.set('options', `-c search_path=${schema}`);
    return u.toString();
  };
  const schemas = [`t_${randomBytes(6).toString('hex')}`, `t_${randomBytes(6).toString('hex')}`];
  let admin: Client;
  beforeAll(async () => {
    admin = new Client({ connectionString: url });
    await admin.connect();
    for (const schema of schemas) await admin.query(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    for (const schema of schemas) await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  });

  test('a second holder of the same schema is refused, naming it; another schema is free; release frees it', async () => {
    const lost = jest.fn();
    const first = await acquireSingleProcessLock(withSchema(schemas[0]), lost);
    await expect(acquireSingleProcessLock(withSchema(schemas[0]), lost)).rejects.toThrow(SingleProcessLockHeld);
    await expect(acquireSingleProcessLock(withSchema(schemas[0]), lost)).rejects.toThrow(`schema "${schemas[0]}"`);
    const other = await acquireSingleProcessLock(withSchema(schemas[1]), lost);
    await first.release();
    const again = await acquireSingleProcessLock(withSchema(schemas[0]), lost);
    await again.release();
    await other.release();
    expect(lost).not.toHaveBeenCalled();
  });

  test('a holder whose connection is cut is told it lost the lock, and the lock is free again', async () => {
    const lost = jest.fn();
    const held = await acquireSingleProcessLock(withSchema(schemas[0]), lost);
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = hashtext('signet: one server without Redis')::oid AND granted AND pid <> pg_backend_pid() AND objid = hashtext(current_database() || '.' || $1)::oid",
      [schemas[0]],
    );
    for (let i = 0; i < 50 && lost.mock.calls.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lost).toHaveBeenCalledTimes(1);
    const next = await acquireSingleProcessLock(withSchema(schemas[0]), jest.fn());
    await next.release();
    await held.release().catch(() => undefined);
  });
});
