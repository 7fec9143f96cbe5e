import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { eventually } from '../helpers/eventually';
import type { SignetProcess } from '../helpers/processes';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server';
import { TEST_DATABASE_URL } from '../helpers/services';
import { startSignetOnOwnRedis, type SignetOnOwnRedis } from '../helpers/signet-on-own-redis';
import { sendSigned } from '../helpers/shared-schema';

const gate = TEST_DATABASE_URL ? describe : describe.skip;
const PLACE = JSON.stringify({
  query: 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id status } userErrors { code } } }',
  variables: { i: { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01' } },
});
const READ = JSON.stringify({ query: '{ me { id } }' });

/** GET /readyz: status and the per-dependency checks. */
async function readiness(server: SignetProcess) {
  const res = await fetch(`${server.url}/readyz`);
  return { status: res.status, json: await res.json() as any };
}

/**
 * A failover seen from the old primary's connections: the Redis `signet serve` is connected to
 * becomes a replica (REPLICAOF) and keeps those connections open. Every script that writes is then
 * refused READONLY, so /readyz must say so; once that Redis is a master again (REPLICAOF NO ONE:
 * the URL names that host itself), signed requests are served again without a restart.
 */
gate(`Redis demoted to a replica under a live server${TEST_DATABASE_URL ? '' : ' (skipped: TEST_DATABASE_URL is not set)'}`, () => {
  jest.setTimeout(60_000);
  let suite: SignetOnOwnRedis | undefined;
  let newPrimary: OwnRedis | undefined;
  let admin: Redis;
  let dir: string;

  beforeAll(async () => {
    // A replica writes the snapshot it syncs from into its directory: a temporary one.
    dir = mkdtempSync(join(tmpdir(), 'signet-demoted-'));
    suite = await startSignetOnOwnRedis(TEST_DATABASE_URL as string, { name: 'redis-demoted', deposits: { USD: '10000' }, redisDir: dir, ready: true });
    newPrimary = await startOwnRedis({ dir: mkdtempSync(join(dir, 'new-')) });
    admin = new Redis(suite.redis.port, '127.0.0.1');
  }, 60_000);

  afterAll(async () => {
    admin?.disconnect();
    await suite?.close();
    await newPrimary?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('while the Redis is a replica: signed requests 503 and /readyz says redis unavailable; after REPLICAOF NO ONE both recover by themselves', async () => {
    const { signet, key } = suite as SignetOnOwnRedis;
    expect((await sendSigned(signet, key, READ)).status).toBe(200);
    expect((await readiness(signet)).status).toBe(200);

    await admin.call('REPLICAOF', '127.0.0.1', String((newPrimary as OwnRedis).port));
    await eventually(async () => expect(await admin.call('ROLE')).toEqual(expect.arrayContaining(['slave'])), 5_000);
    const refused = await sendSigned(signet, key, PLACE, { 'idempotency-key': `demoted-${randomBytes(6).toString('hex')}` });
    expect(refused.status).toBe(503);
    expect(refused.json.errors[0].extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
    // Before: PING answered on the replica, and /readyz said ready throughout.
    const notReady = await eventually(async () => {
      const r = await readiness(signet);
      if (r.status !== 503) throw new Error(`still ${r.status}`);
      return r;
    }, 5_000, 250);
    expect(notReady.json).toEqual({ status: 'not ready', checks: { database: 'ok', redis: 'unavailable' } });

    await admin.call('REPLICAOF', 'NO', 'ONE');
    await eventually(async () => {
      const r = await readiness(signet);
      if (r.status !== 200) throw new Error(`still ${r.status}`);
    }, 10_000, 250);
    // The sync emptied the old primary (the new one had nothing): for about 10 s older signatures
    // cannot be proven unused, then signed requests run again.
    const placed = await eventually(async () => {
      const answer = await sendSigned(signet, key, PLACE, { 'idempotency-key': `demoted-${randomBytes(6).toString('hex')}` });
      if (answer.status !== 200) throw new Error(`still ${answer.status}: ${JSON.stringify(answer.json.errors?.[0]?.extensions)}`);
      return answer;
    }, 20_000, 500);
    expect(placed.json.data.placeOrder.order.status).toBe('OPEN');
    expect(signet.child.exitCode).toBeNull();
  });
});
