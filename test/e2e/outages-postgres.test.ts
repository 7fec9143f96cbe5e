import { randomBytes } from 'node:crypto';
import { fundedAccount } from '../helpers/domain';
import { eventually } from '../helpers/eventually';
import { CLEAN_RECONCILIATION, orphanJournals, ordersWithoutTheirHolds } from '../helpers/ledger-checks';
import { spawnSignet, type SignetProcess } from '../helpers/processes';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server';
import { TEST_DATABASE_URL } from '../helpers/services';
import { openSharedSchema, sendSigned, type SharedSchema } from '../helpers/shared-schema';
import { createTestKey, type TestKey } from '../helpers/signet-server';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

const gate = TEST_DATABASE_URL ? describe : describe.skip;
const place = (price: string) => JSON.stringify({
  query: 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id status } userErrors { code } } }',
  variables: { i: { market: 'BTC-USD', side: 'BUY', price, quantity: '0.01' } },
});

/** What a client learned from one signed order: the order id, or a coded error, or a dropped connection. */
type Outcome = { kind: 'ok'; id: string } | { kind: 'error'; status: number; code: string } | { kind: 'network'; message: string };

/**
 * PostgreSQL holds every balance and order. Here `signet serve` reaches it through a loopback TCP
 * proxy the test cuts (connections destroyed, new ones refused) and restores, under a live process.
 */
gate(`PostgreSQL outage: coded errors, no partial writes, recovery without restart${TEST_DATABASE_URL ? '' : ' (skipped: TEST_DATABASE_URL is not set)'}`, () => {
  let redis: OwnRedis;
  let shared: SharedSchema;
  let proxy: TcpProxy;
  let signet: SignetProcess;
  let accountId: string;
  let key: TestKey;

  beforeAll(async () => {
    redis = await startOwnRedis();
    shared = await openSharedSchema(TEST_DATABASE_URL as string, redis.url);
    accountId = await fundedAccount(shared.services, { USD: '100000' }, 'pg-outage');
    key = await createTestKey(shared.services, accountId, 'ed25519');
    const direct = new URL(TEST_DATABASE_URL as string);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(shared.env().DATABASE_URL);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    signet = await spawnSignet(shared.env({ DATABASE_URL: viaProxy.toString() }));
  }, 60_000);

  afterAll(async () => {
    await proxy?.restore().catch(() => undefined); // lets the process close its pool cleanly
    await signet?.stop();
    await proxy?.close();
    await shared?.close();
    await redis?.close();
  });

  /** Sends one signed order and classifies what came back. */
  async function order(idempotencyKey: string, price = '100'): Promise<Outcome> {
    try {
      const res = await sendSigned(signet, key, place(price), { 'idempotency-key': idempotencyKey });
      const id = res.json.data?.placeOrder?.order?.id;
      if (id) return { kind: 'ok', id };
      return { kind: 'error', status: res.status, code: String(res.json.errors?.[0]?.extensions?.code) };
    } catch (error) {
      return { kind: 'network', message: (error as Error).message };
    }
  }
  const readiness = async () => {
    const res = await fetch(`${signet.url}/readyz`);
    return { status: res.status, json: await res.json() as any };
  };
  const untilReady = () => eventually(async () => {
    const r = await readiness();
    if (r.status !== 200) throw new Error(`not ready: ${JSON.stringify(r.json)}`);
  }, 15_000);

  test('with PostgreSQL reachable: ready, and a signed order executes', async () => {
    await untilReady();
    expect(await order(`pg-${randomBytes(6).toString('hex')}`)).toMatchObject({ kind: 'ok' });
  });

  test('PostgreSQL cut: signed requests get SERVICE_UNAVAILABLE (retryable), public ones still work, /readyz is 503', async () => {
    const before = await shared.orderCount(accountId);
    // Never used: its key row is not cached by the process yet.
    const unused = await createTestKey(shared.services, accountId, 'ed25519');
    await proxy.cut();
    try {
      // The key's row must be read: the request is refused at verification, 503.
      const res = await sendSigned(signet, unused, place('100'), { 'idempotency-key': `pg-${randomBytes(6).toString('hex')}` });
      expect(res.status).toBe(503);
      expect(res.json.errors[0].extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
      expect(JSON.stringify(res.json)).not.toMatch(/ECONNREFUSED|Connection terminated|5432|postgres/i);
      // A key the process has cached (PostgreSQL + Redis) verifies and is admitted without the
      // database; the mutation itself then fails, coded and retryable, with nothing written. Its
      // status is that of the execution's failure: 503 or, as a field error, 200 (both seen under
      // this cut, depending on which statement meets the dropped connection first).
      const cached = await sendSigned(signet, key, place('100'), { 'idempotency-key': `pg-${randomBytes(6).toString('hex')}` });
      expect([200, 503]).toContain(cached.status);
      expect(cached.json.data?.placeOrder ?? null).toBeNull();
      expect(cached.json.errors[0].extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
      expect(JSON.stringify(cached.json)).not.toMatch(/ECONNREFUSED|Connection terminated|5432|postgres/i);

      const pub = await fetch(`${signet.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ serverTime markets { symbol } }' }) });
      expect(pub.status).toBe(200);
      expect((await pub.json() as any).errors).toBeUndefined();

      expect(await readiness()).toMatchObject({ status: 503, json: { checks: { database: 'unavailable', redis: 'ok' } } });
    } finally {
      await proxy.restore();
    }
    expect(await shared.orderCount(accountId)).toBe(before);
  });

  test('restored: the same process is ready again and executes signed orders, without a restart', async () => {
    const pid = signet.child.pid;
    await untilReady();
    const outcome = await eventually(async () => {
      const o = await order(`pg-${randomBytes(6).toString('hex')}`);
      if (o.kind !== 'ok') throw new Error(JSON.stringify(o));
      return o;
    }, 10_000);
    // The order the answer names was written, for this account.
    expect(await shared.driver.query('SELECT account_id FROM orders WHERE id = $1', [outcome.id])).toEqual([{ account_id: accountId }]);
    expect(signet.child.pid).toBe(pid);
    expect(signet.child.exitCode).toBeNull();
  }, 30_000);

  test('cut in the middle of a burst: every answer is a result or a coded retryable error, retries settle every key exactly once, and the books reconcile', async () => {
    await untilReady();
    const before = await shared.orderCount(accountId);
    const keys = Array.from({ length: 40 }, (_, i) => `burst-${i}-${randomBytes(4).toString('hex')}`);
    const acknowledged = new Map<string, string>();
    let cutDone: Promise<void> | undefined;
    const first = await Promise.all(keys.map(async (k, i) => {
      const o = await order(k, String(100 + i));
      if (o.kind === 'ok') {
        acknowledged.set(k, o.id);
        if (acknowledged.size === 5) cutDone ??= proxy.cut(); // mid-burst: later requests are in flight
      }
      return o;
    }));
    await cutDone;
    await proxy.restore();

    // Nothing unexplained: each failure is the retryable code (HTTP 503 before GraphQL, or the field's error), or a dropped connection.
    for (const o of first) {
      if (o.kind === 'error') expect({ code: o.code, status: [200, 503].includes(o.status) }).toEqual({ code: 'SERVICE_UNAVAILABLE', status: true });
    }
    const failures = first.filter((o) => o.kind !== 'ok').length;

    // A client that retries with the same key gets each order exactly once, whether its first commit landed or not.
    await untilReady();
    for (const [i, k] of keys.entries()) {
      const settled = await eventually(async () => {
        const o = await order(k, String(100 + i));
        if (o.kind !== 'ok') throw new Error(JSON.stringify(o));
        return o;
      }, 10_000);
      if (acknowledged.has(k)) expect(settled.id).toBe(acknowledged.get(k));
      acknowledged.set(k, settled.id);
    }
    expect(new Set(acknowledged.values()).size).toBe(keys.length);
    expect(await shared.orderCount(accountId)).toBe(before + keys.length);
    expect(await ordersWithoutTheirHolds(shared.driver)).toEqual([]);
    expect(await orphanJournals(shared.driver)).toEqual([]);
    expect(await shared.services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
    // The test only proves something if the cut really hit requests in flight.
    expect(failures).toBeGreaterThan(0);
  }, 60_000);
});
