/**
 * The lock that keeps a PostgreSQL database served without Redis to one server process: a second
 * is refused while the first holds it, another schema is another lock, a released or dead holder
 * frees it, and a holder whose connection is cut, or goes silent, is told it lost it. Servers with
 * Redis hold it shared: together, never beside one without Redis, and they take it again after
 * losing their connection unless a server without Redis took it meanwhile.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { SingleProcessLockHeld, acquireSingleProcessLock } from '../../../src/stores/postgres';
import { eventually } from '../../helpers/eventually';
import { describeWithPostgres } from '../../helpers/services';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy';

/** The URL `url` with its host and port replaced by the proxy's. */
const through = (proxy: TcpProxy, url: string) => {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
};

describeWithPostgres('the single-process lock', (url) => {
  const withSchema = (schema: string) => {
    const u = new URL(url);
    u.searchParams.set('options', `-c search_path=${schema}`);
    return u.toString();
  };
  const schemas = [`t_${randomBytes(6).toString('hex')}`, `t_${randomBytes(6).toString('hex')}`, `t_${randomBytes(6).toString('hex')}`];
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

  /** The lock's holders for `schema`, read from pg_locks without contending for the lock. */
  const holders = async (schema: string) => (await admin.query<{ mode: string }>(
    "SELECT mode FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = hashtext('signet: one server without Redis')::oid AND objid = hashtext(current_database() || '.' || $1)::oid",
    [schema],
  )).rows.map((r) => r.mode);
  const cutHolders = (schema: string) => admin.query(
    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = hashtext('signet: one server without Redis')::oid AND granted AND pid <> pg_backend_pid() AND objid = hashtext(current_database() || '.' || $1)::oid",
    [schema],
  );
  const calledOnce = (fn: jest.Mock) => eventually(async () => expect(fn).toHaveBeenCalledTimes(1), 10_000, 50);

  test('a second holder of the same schema is refused, naming it; another schema is free; release frees it', async () => {
    const onLost = jest.fn();
    const first = await acquireSingleProcessLock(withSchema(schemas[0]), { onLost });
    await expect(acquireSingleProcessLock(withSchema(schemas[0]), { onLost })).rejects.toThrow(SingleProcessLockHeld);
    await expect(acquireSingleProcessLock(withSchema(schemas[0]), { onLost })).rejects.toThrow(`schema "${schemas[0]}"`);
    const other = await acquireSingleProcessLock(withSchema(schemas[1]), { onLost });
    await first.release();
    const again = await acquireSingleProcessLock(withSchema(schemas[0]), { onLost });
    await again.release();
    await other.release();
    expect(onLost).not.toHaveBeenCalled();
  });

  test('a holder whose connection is cut is told it lost the lock, and the lock is free again', async () => {
    const onLost = jest.fn();
    const held = await acquireSingleProcessLock(withSchema(schemas[0]), { onLost });
    await cutHolders(schemas[0]);
    await calledOnce(onLost);
    const next = await acquireSingleProcessLock(withSchema(schemas[0]), { onLost: jest.fn() });
    await next.release();
    await held.release().catch(() => undefined);
  });

  test('a holder whose connection goes silent (dropped by a NAT, say) is told by its periodic check', async () => {
    const proxy = await startTcpProxy({ host: new URL(url).hostname, port: Number(new URL(url).port || 5432) });
    const onLost = jest.fn();
    try {
      // A check's timeout runs from when it is queued: 2 s, so a stall of this loaded process is not a silent connection.
      const held = await acquireSingleProcessLock(through(proxy, withSchema(schemas[0])), { onLost, checkIntervalMs: 200, queryTimeoutMs: 2_000 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(onLost).not.toHaveBeenCalled(); // checks pass while the connection answers
      proxy.silence();
      await calledOnce(onLost);
      await held.release().catch(() => undefined);
    } finally {
      await proxy.close();
    }
    await cutHolders(schemas[0]); // its backend, still holding the lock behind the silent proxy
  });

  test('shared holders (servers with Redis) run together; an exclusive one is refused beside them, and they beside it', async () => {
    const onLost = jest.fn();
    const a = await acquireSingleProcessLock(withSchema(schemas[1]), { onLost, mode: 'shared' });
    const b = await acquireSingleProcessLock(withSchema(schemas[1]), { onLost, mode: 'shared' });
    expect(await holders(schemas[1])).toEqual(['ShareLock', 'ShareLock']);
    await expect(acquireSingleProcessLock(withSchema(schemas[1]), { onLost, mode: 'alone' })).rejects.toThrow(/with REDIS_URL or without/);
    await a.release();
    await b.release();
    const alone = await acquireSingleProcessLock(withSchema(schemas[1]), { onLost, mode: 'alone' });
    await expect(acquireSingleProcessLock(withSchema(schemas[1]), { onLost, mode: 'shared' })).rejects.toThrow(/without REDIS_URL uses this PostgreSQL database/);
    await alone.release();
    expect(onLost).not.toHaveBeenCalled();
  });

  test('a shared holder whose connection is cut takes the lock again at once (a PostgreSQL restart must not stop servers with Redis)', async () => {
    const onLost = jest.fn();
    const onRetaken = jest.fn();
    const held = await acquireSingleProcessLock(withSchema(schemas[2]), { onLost, onRetaken, mode: 'shared' });
    await cutHolders(schemas[2]);
    await calledOnce(onRetaken);
    expect(await holders(schemas[2])).toEqual(['ShareLock']);
    expect(onLost).not.toHaveBeenCalled();
    await held.release();
    expect(await holders(schemas[2])).toEqual([]);
  });

  test('a shared holder that finds a server without Redis in its place when it takes the lock again is told it lost it', async () => {
    const proxy = await startTcpProxy({ host: new URL(url).hostname, port: Number(new URL(url).port || 5432) });
    const onLost = jest.fn();
    const onRetaking = jest.fn();
    try {
      const held = await acquireSingleProcessLock(through(proxy, withSchema(schemas[2])), { onLost, onRetaking, mode: 'shared' });
      // PostgreSQL unreachable for this holder: its connection cut, its retakes refused.
      await proxy.cut();
      await eventually(async () => {
        expect(onRetaking.mock.calls.length).toBeGreaterThanOrEqual(2);
        expect(await holders(schemas[2])).toEqual([]);
      }, 5_000, 50);
      // A server without Redis starts meanwhile; then this holder reaches PostgreSQL again.
      const alone = await acquireSingleProcessLock(withSchema(schemas[2]), { onLost: jest.fn() });
      await proxy.restore();
      await calledOnce(onLost);
      expect(onLost.mock.calls[0][0].message).toMatch(/without REDIS_URL uses this PostgreSQL database/);
      await alone.release();
      await held.release();
    } finally {
      await proxy.close();
    }
  });
});
