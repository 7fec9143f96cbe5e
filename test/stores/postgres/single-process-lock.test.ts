/**
 * The lock that keeps a PostgreSQL database served without Redis to one server process: a second
 * is refused while the first holds it, another schema is another lock, a released or dead holder
 * frees it, and a holder whose connection is cut, or goes silent, is told it lost it. Servers with
 * Redis hold it shared: together, never beside one without Redis, and they take it again after
 * losing their connection unless a server without Redis took it meanwhile. A PostgreSQL that
 * accepts the connection and never answers fails the lock in bounded time, releasing it on one that
 * went silent ends in bounded time too, and a search_path that names no schema is refused as such,
 * never blamed on another server.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { SingleProcessLockHeld, acquireSingleProcessLock } from '../../../src/stores/postgres';
import { eventually } from '../../helpers/eventually';
import { describeWithPostgres } from '../../helpers/services';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy';
import { startUnansweringServer } from '../../helpers/unanswering-server';

/** The URL `url` with its host and port replaced by the proxy's. */
const through = (proxy: Pick<TcpProxy, 'port'>, url: string) => {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
};

describe('the single-process lock against a PostgreSQL that never answers', () => {
  test('taking it fails after the pool\'s connect timeout (5 s), naming the server, instead of waiting forever', async () => {
    const hung = await startUnansweringServer();
    const started = Date.now();
    try {
      const attempt = acquireSingleProcessLock(`postgres://postgres@127.0.0.1:${hung.port}/signet`, { onLost: jest.fn() });
      // Settles either way within the bound, so a lock that still waits fails here rather than at Jest's timeout.
      const outcome = await Promise.race([
        attempt.then(() => 'acquired', (error: Error) => error),
        new Promise<string>((resolve) => setTimeout(resolve, 8_000, 'still waiting after 8 s').unref()),
      ]);
      expect(outcome).toMatchObject({
        name: 'PostgresNotAnswering',
        message: `PostgreSQL at 127.0.0.1:${hung.port} (DATABASE_URL) did not answer within 5 s: the server, or a pooler in front of it, is hung or unreachable`,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
      expect(hung.accepted()).toBe(1);
    } finally {
      await hung.close();
    }
  }, 15_000);
});

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

  test('releasing a lock whose PostgreSQL has gone silent (no statement running) finishes within seconds instead of waiting for the server to close', async () => {
    const proxy = await startTcpProxy({ host: new URL(url).hostname, port: Number(new URL(url).port || 5432) });
    const onLost = jest.fn();
    try {
      // The default check interval (30 s): no statement is running when the release comes.
      const held = await acquireSingleProcessLock(through(proxy, withSchema(schemas[0])), { onLost });
      proxy.silence();
      const started = Date.now();
      // Settles either way within the bound, so a release that still waits fails here rather than at Jest's timeout.
      const outcome = await Promise.race([
        held.release().then(() => 'released', (error: Error) => error),
        new Promise<string>((resolve) => setTimeout(resolve, 8_000, 'still waiting after 8 s').unref()),
      ]);
      expect(outcome).toBe('released');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(onLost).not.toHaveBeenCalled(); // a release is not a loss
    } finally {
      await proxy.close();
    }
    await cutHolders(schemas[0]); // its backend, which never heard the goodbye behind the silent proxy
  }, 15_000);

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

  test('a shared holder whose PostgreSQL stops answering keeps trying, each attempt given up in time, and holds the lock again once it answers', async () => {
    const target = { host: new URL(url).hostname, port: Number(new URL(url).port || 5432) };
    const server = await startUnansweringServer(target);
    const onLost = jest.fn();
    const onRetaking = jest.fn();
    const onRetaken = jest.fn();
    try {
      const held = await acquireSingleProcessLock(through(server, withSchema(schemas[2])), { onLost, onRetaking, onRetaken, mode: 'shared', connectTimeoutMs: 300 });
      server.hang(); // its connection dropped; every new one accepted and never answered
      await eventually(async () => expect(onRetaking.mock.calls.length).toBeGreaterThanOrEqual(4), 10_000, 50);
      // After the first (the loss itself), each attempt ended by the connect timeout.
      for (const [error] of onRetaking.mock.calls.slice(1)) expect(error).toMatchObject({ name: 'PostgresNotAnswering' });
      expect(onRetaken).not.toHaveBeenCalled();
      server.answer();
      await calledOnce(onRetaken);
      expect(await holders(schemas[2])).toEqual(['ShareLock']);
      expect(onLost).not.toHaveBeenCalled();
      await held.release();
    } finally {
      await server.close();
    }
  }, 20_000);

  test('a search_path that names no schema is refused as such, in either mode: no server is said to hold the lock', async () => {
    const missing = `t_missing_${randomBytes(6).toString('hex')}`;
    for (const mode of ['alone', 'shared'] as const) {
      await expect(acquireSingleProcessLock(withSchema(missing), { onLost: jest.fn(), mode })).rejects.toMatchObject({
        name: 'NoSchemaSelected',
        message: expect.stringContaining(`DATABASE_URL selects no schema: its search_path ("${missing}") names no schema that exists in database "${new URL(url).pathname.slice(1)}"`),
      });
    }
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
