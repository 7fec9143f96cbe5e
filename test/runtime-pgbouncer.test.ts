/**
 * Signet behind a real PgBouncer. Transaction pooling is refused at start-up, before the lock or a
 * migration touches the database: it shares one session's prepared statements and advisory locks
 * between clients, so signed mutations failed (INTERNAL_SERVER_ERROR) and the single-process lock
 * did not hold. Session pooling works with no pooler setting: the timeouts are set by a statement
 * on each new connection, not sent as startup parameters (which PgBouncer refuses, or drops when
 * told to ignore them). A search_path that DATABASE_URL's options set and the pooler dropped is
 * refused, rather than everything written into `public`.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { parseConfig } from '../src/config';
import { createLogger, openRuntime, type Runtime } from '../src/runtime';
import { checkSessions, createPgDriver } from '../src/stores/postgres';
import { fundedAccount } from './helpers/domain';
import { createTestGraphQL, principalFor } from './helpers/graphql';
import { describeWithPgBouncer, startPgBouncer, type PgBouncer } from './helpers/pgbouncer';

const MASTER_KEY = randomBytes(32).toString('base64');
const PLACE = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id status } userErrors { code } } }';

describeWithPgBouncer('Signet behind PgBouncer', (url) => {
  const database = `signet_pgb_${randomBytes(5).toString('hex')}`;
  let admin: Client;
  let pgbouncer: PgBouncer;
  const open = (databaseUrl: string, options: Parameters<typeof openRuntime>[2] = {}) =>
    openRuntime(parseConfig({ DATABASE_URL: databaseUrl, SIGNET_MASTER_KEY: MASTER_KEY }), createLogger('silent'), options);
  const serving = () => ({ serving: { onLockLost: jest.fn() } });
  /** Advisory locks held on the suite's database, and whether anything migrated it. */
  const traces = async () => {
    const locks = await admin.query(`SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND a.datname = $1`, [database]);
    const own = new Client({ connectionString: Object.assign(new URL(url), { pathname: `/${database}` }).toString() });
    await own.connect();
    try {
      const [{ migrated }] = (await own.query<{ migrated: boolean }>("SELECT to_regclass('public.schema_migrations') IS NOT NULL AS migrated")).rows;
      return { advisoryLocks: locks.rowCount, migrated };
    } finally {
      await own.end();
    }
  };

  beforeAll(async () => {
    admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    pgbouncer = await startPgBouncer(url, { databases: { txn: { dbname: database, poolMode: 'transaction' }, sess: { dbname: database, poolMode: 'session' } } });
  });
  afterAll(async () => {
    await pgbouncer?.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin?.end();
  });

  test('transaction mode: a server and an operator command are refused at start-up, naming pool_mode = session, and nothing is locked or migrated', async () => {
    const refusal = /^DATABASE_URL goes through a connection pooler in transaction \(or statement\) mode: .*Set pool_mode = session for this database in the pooler \(PgBouncer\), or connect to PostgreSQL directly/;
    await expect(open(pgbouncer.url('txn'), serving())).rejects.toThrow(refusal);
    await expect(open(pgbouncer.url('txn'))).rejects.toThrow(refusal);
    await expect(open(pgbouncer.url('txn'), { excludeServers: true })).rejects.toThrow(refusal);
    expect(await traces()).toEqual({ advisoryLocks: 0, migrated: false });
  }, 30_000);

  describe('session mode', () => {
    let runtime: Runtime;
    beforeAll(async () => {
      runtime = await open(pgbouncer.url('sess'), serving());
    }, 30_000);
    afterAll(async () => runtime?.close());

    test('the server starts with no pooler setting, and its connections have Signet\'s timeouts', async () => {
      expect(await runtime.driver.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '5s' }]);
      expect(await runtime.driver.query('SHOW idle_in_transaction_session_timeout')).toEqual([{ idle_in_transaction_session_timeout: '10s' }]);
      await runtime.driver.begin(async (tx) => {
        expect(await tx.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '5s' }]);
      });
    });

    test('a statement over the timeout is cancelled by PostgreSQL through the pooler (57014)', async () => {
      const driver = createPgDriver({ url: pgbouncer.url('sess'), statementTimeoutMs: 200 });
      try {
        await expect(driver.query('SELECT pg_sleep(2)')).rejects.toMatchObject({ code: '57014' });
      } finally {
        await driver.close();
      }
    });

    test('signed placeOrder calls run, concurrently and with idempotency keys, on the prepared statements of several pooled connections', async () => {
      const api = await createTestGraphQL(runtime.services, { directives: runtime.directiveDeps() });
      try {
        const accountId = await fundedAccount(runtime.services, { USD: '10000' }, 'pgb');
        // Four at once: with the lock's connection, five of PgBouncer's eight server connections (each a session's for its life).
        const results = await Promise.all(Array.from({ length: 4 }, (_, i) => api.execute<any, any>(
          PLACE, { i: { market: 'BTC-USD', side: 'BUY', price: String(100 + i), quantity: '0.01' } }, principalFor(accountId), { 'idempotency-key': `pgb-${i}` },
        )));
        expect(results.map((r) => r.errors ?? r.data.placeOrder.order.status)).toEqual(Array(4).fill('OPEN'));
        const replay = await api.execute<any, any>(PLACE, { i: { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01' } }, principalFor(accountId), { 'idempotency-key': 'pgb-0' });
        expect(replay.data.placeOrder.order.id).toBe(results[0].data.placeOrder.order.id);
      } finally {
        await api.stop();
      }
    }, 30_000);

    test('the start-up check never takes session pooling for transaction pooling', async () => {
      for (let i = 0; i < 10; i += 1) await checkSessions(pgbouncer.url('sess'));
    });
  });

  test('a search_path set in DATABASE_URL\'s options that the pooler drops (ignore_startup_parameters = options) is refused, naming the schema; nothing is written', async () => {
    const dropping = await startPgBouncer(url, { databases: { sess: { dbname: database, poolMode: 'session' } }, ignoreStartupParameters: ['options'] });
    try {
      const tenant = new URL(dropping.url('sess'));
      tenant.searchParams.set('options', '-c search_path=tenant_b');
      const before = await traces();
      const refusal = /^DATABASE_URL's options set search_path=tenant_b, but its connections have search_path = "\$user", ?public: .*ALTER ROLE <user> SET search_path = tenant_b/;
      await expect(open(tenant.toString(), serving())).rejects.toThrow(refusal);
      await expect(open(tenant.toString())).rejects.toThrow(refusal);
      expect(await traces()).toEqual({ ...before, advisoryLocks: 0 });
    } finally {
      await dropping.close();
    }
  }, 30_000);
});
