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

  test('shared holders (servers with Redis) run together; an exclusive one is refused beside them, and they beside it', async () => {
    const lost = jest.fn();
    const a = await acquireSingleProcessLock(withSchema(schemas[1]), lost, 'shared');
    const b = await acquireSingleProcessLock(withSchema(schemas[1]), lost, 'shared');
    await expect(acquireSingleProcessLock(withSchema(schemas[1]), lost, 'alone')).rejects.toThrow(/with REDIS_URL or without/);
    await a.release();
    await b.release();
    const alone = await acquireSingleProcessLock(withSchema(schemas[1]), lost, 'alone');
    await expect(acquireSingleProcessLock(withSchema(schemas[1]), lost, 'shared')).rejects.toThrow(/without REDIS_URL uses this PostgreSQL database/);
    await alone.release();
    expect(lost).not.toHaveBeenCalled();
  });

  const cutHolders = (schema: string) => admin.query(
    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = hashtext('signet: one server without Redis')::oid AND granted AND pid <> pg_backend_pid() AND objid = hashtext(current_database() || '.' || $1)::oid",
    [schema],
  );
  const eventually = async (check: () => Promise<boolean> | boolean) => {
    for (let i = 0; i < 80 && !(await check()); i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
  };

  test('a shared holder whose connection is cut takes the lock again (a PostgreSQL restart must not stop servers with Redis)', async () => {
    const lost = jest.fn();
    const held = await acquireSingleProcessLock(withSchema(schemas[1]), lost, 'shared');
    await cutHolders(schemas[1]);
    // Taken again: an exclusive holder is refused once more.
    let refused = false;
    await eventually(async () => {
      try {
        const alone = await acquireSingleProcessLock(withSchema(schemas[1]), jest.fn(), 'alone');
        await alone.release();
        return false;
      } catch {
        refused = true;
        return true;
      }
    });
    expect(refused).toBe(true);
    expect(lost).not.toHaveBeenCalled();
    await held.release();
  });

  test('a shared holder that finds a server without Redis in its place when it takes the lock again is told it lost it', async () => {
    const lost = jest.fn();
    const held = await acquireSingleProcessLock(withSchema(schemas[1]), lost, 'shared');
    await cutHolders(schemas[1]);
    // A server without Redis starts in the gap, before the shared holder takes it again (every 2 s).
    const alone = await acquireSingleProcessLock(withSchema(schemas[1]), jest.fn(), 'alone');
    await eventually(() => lost.mock.calls.length > 0);
    expect(lost).toHaveBeenCalledTimes(1);
    expect(lost.mock.calls[0][0].message).toMatch(/without REDIS_URL uses this PostgreSQL database/);
    await alone.release();
    await held.release();
  });
});
