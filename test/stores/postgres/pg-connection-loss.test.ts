import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, type Client } from 'pg';
import { createPgDriver, type SqlDriver } from '../../../src/stores/postgres';
import { endPgPool, trackOpenClients } from '../../../src/stores/postgres/end-pg-client';
import { classifyInfrastructureFailure } from '../../../src/transport/graphql/infrastructure-errors';
import { CommitOutcomeUnknownError } from '../../../src/domain';
import { openScratchSchema } from '../../helpers/database';
import { eventually } from '../../helpers/eventually';
import { describeWithPostgres } from '../../helpers/services';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy';

describeWithPostgres('the PostgreSQL driver when the connection drops', (url) => {
  let proxy: TcpProxy;
  let driver: SqlDriver;
  beforeAll(async () => {
    const direct = new URL(url);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    driver = createPgDriver({ url: viaProxy.toString() });
  });
  afterAll(async () => {
    await proxy.restore();
    await driver?.close();
    await proxy?.close();
  });

  test('a connection lost between statements of a transaction rejects it with an infrastructure error, and the process lives on', async () => {
    // Without a listener on the checked-out client, pg emits an unhandled 'error' here and the process dies.
    const transaction = driver.begin(async (tx) => {
      await tx.query('SELECT 1');
      await proxy.cut();
      await sleep(100);
      await tx.query('SELECT 2');
    });
    const error = await transaction.then(() => null, (e: unknown) => e);
    expect(error).not.toBeNull();
    expect(classifyInfrastructureFailure(error)).not.toBeNull();
  });

  test('while cut, queries fail fast with an infrastructure error; restored, the same driver works again', async () => {
    const down = await driver.query('SELECT 1').then(() => null, (e: unknown) => e);
    expect(classifyInfrastructureFailure(down)).toMatchObject({ reason: 'ECONNREFUSED' });
    await proxy.restore();
    await expect(driver.begin((tx) => tx.query<{ n: number }>('SELECT 1 AS n'))).resolves.toEqual([{ n: 1 }]);
    await expect(driver.ping()).resolves.toBeUndefined();
  });

  test('a PostgreSQL that stops answering (no reset: a host gone dark, a NAT that dropped the connection) fails the statement, the transaction and its COMMIT after the statement timeout + 2 s, instead of holding them for good', async () => {
    const direct = new URL(url);
    const dark = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaDark = new URL(url);
    viaDark.host = `127.0.0.1:${dark.port}`;
    const bounded = createPgDriver({ url: viaDark.toString(), statementTimeoutMs: 300 });
    // Settles within the bound either way, so a wait for good fails here rather than at Jest's timeout.
    const within = <T>(work: Promise<T>) => Promise.race([
      work.then(() => 'answered', (error: unknown) => error),
      new Promise<string>((resolve) => setTimeout(resolve, 6_000, 'still waiting after 6 s').unref()),
    ]);
    try {
      await expect(bounded.query('SELECT 1 AS n')).resolves.toEqual([{ n: 1 }]);
      dark.silence();
      const statement = await within(bounded.query('SELECT 2'));
      expect(classifyInfrastructureFailure(statement)).toMatchObject({ dependency: 'database', reason: 'Query read timeout' });

      // Mid-transaction: rejected as an infrastructure failure (no ROLLBACK queued behind the unanswered statement).
      const inTransaction = await within(bounded.begin(async (tx) => {
        await tx.query('SELECT 1');
        dark.silence();
        await tx.query('SELECT 2');
      }));
      expect(classifyInfrastructureFailure(inTransaction)).toMatchObject({ dependency: 'database', reason: 'Query read timeout' });

      // A COMMIT that gets no answer may have committed: said so.
      const commit = await within(bounded.begin(async (tx) => {
        await tx.query('SELECT 1');
        dark.silence();
      }));
      expect(commit).toBeInstanceOf(CommitOutcomeUnknownError);

      // The connections that went silent were dropped, not pooled: new ones answer.
      await expect(bounded.begin((tx) => tx.query<{ n: number }>('SELECT 3 AS n'))).resolves.toEqual([{ n: 3 }]);
    } finally {
      await dark.close();
      await bounded.close();
    }
  }, 30_000);

  test('ending a pool on a PostgreSQL that went silent ends every connection within seconds (pg-pool does not wait for its idle ones, whose sockets would keep the process alive)', async () => {
    const direct = new URL(url);
    const dark = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaDark = new URL(url);
    viaDark.host = `127.0.0.1:${dark.port}`;
    // A pool as the driver builds its two (createPgDriver's close() ends them with endPgPool).
    const pool = new Pool({ connectionString: viaDark.toString(), max: 2 });
    pool.on('error', () => undefined);
    const open = trackOpenClients(pool);
    const clients: Client[] = [];
    pool.on('connect', (client) => clients.push(client as Client));
    try {
      await Promise.all([pool.query('SELECT pg_sleep(0.05)'), pool.query('SELECT pg_sleep(0.05)')]);
      expect(open.size).toBe(2);
      dark.silence();
      const started = Date.now();
      await endPgPool(pool, open, 500);
      expect(Date.now() - started).toBeLessThan(3_000);
      await eventually(async () => expect(clients.map((client) => client.connection.stream.destroyed)).toEqual([true, true]), 2_000);
      await eventually(async () => expect(open.size).toBe(0), 2_000);
    } finally {
      await dark.close();
    }
  }, 30_000);

  test('a connection lost during COMMIT is told apart: CommitOutcomeUnknownError, and the transaction did commit (it was "retry later" before)', async () => {
    const scratch = await openScratchSchema(url);
    const throughProxy = new URL(scratch.url);
    throughProxy.host = `127.0.0.1:${proxy.port}`;
    const scoped = createPgDriver({ url: throughProxy.toString() });
    try {
      await scratch.admin.query(`CREATE TABLE ${scratch.schema}.payments (id int PRIMARY KEY)`);
      // The COMMIT reaches PostgreSQL; its answer never reaches the driver.
      const lost = await scoped.begin(async (tx) => {
        await tx.query('INSERT INTO payments VALUES (1)');
        proxy.cutAfterClientSends('COMMIT');
      }).then(() => null, (e: unknown) => e);
      expect(lost).toBeInstanceOf(CommitOutcomeUnknownError);
      expect(classifyInfrastructureFailure((lost as Error).cause)).not.toBeNull();
      // PostgreSQL may still be running the COMMIT it read when the driver gave up: look until it has.
      await eventually(async () => expect((await scratch.admin.query(`SELECT id FROM ${scratch.schema}.payments`)).rows).toEqual([{ id: 1 }]), 5_000);

      // A COMMIT PostgreSQL answers with an error rolled back: that is not an unknown outcome.
      await scratch.admin.query(`ALTER TABLE ${scratch.schema}.payments ADD CONSTRAINT once UNIQUE (id) DEFERRABLE INITIALLY DEFERRED, DROP CONSTRAINT payments_pkey`);
      const refused = await scoped.begin(async (tx) => {
        await tx.query('INSERT INTO payments VALUES (2), (2)');
      }).then(() => null, (e: unknown) => e);
      expect(refused).not.toBeInstanceOf(CommitOutcomeUnknownError);
      expect(refused).toMatchObject({ code: '23505' });
      expect((await scratch.admin.query(`SELECT id FROM ${scratch.schema}.payments ORDER BY id`)).rows).toEqual([{ id: 1 }]);
    } finally {
      await scoped.close();
      await scratch.drop();
    }
  });
});
