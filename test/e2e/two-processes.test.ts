import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DomainServices } from '../../src/domain';
import { createDomainServices, createSecretBox } from '../../src/domain';
import Redis from 'ioredis';
import { createPgDriver, createSqlUnitOfWork, migrate, type SqlDriver } from '../../src/stores/postgres';
import { createRedisKeyVersionStore } from '../../src/stores/redis';
import { signRequest } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import { fundedAccount } from '../helpers/domain';
import { TEST_MASTER_KEY, spawnSignet, type SignetProcess } from '../helpers/processes';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/services';
import { createTestKey, type TestKey } from '../helpers/signet-server';

const AUTHORITY = 'signet.test';
const gate = TEST_DATABASE_URL && TEST_REDIS_URL ? describe : describe.skip;

gate(`two signet processes sharing PostgreSQL and Redis${TEST_DATABASE_URL && TEST_REDIS_URL ? '' : ' (skipped: TEST_DATABASE_URL and TEST_REDIS_URL are both needed)'}`, () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  let admin: Client;
  let driver: SqlDriver;
  let services: DomainServices;
  let a: SignetProcess;
  let b: SignetProcess;
  let accountId: string;
  let key: TestKey;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL as string, { maxRetriesPerRequest: 1 });
    admin = new Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    driver = createPgDriver({ url: TEST_DATABASE_URL as string, schema });
    await migrate(driver);
    // As a third instance (or `signet keys revoke` with REDIS_URL): revocations renew the key's version on Redis.
    services = createDomainServices({ uow: createSqlUnitOfWork(driver), secretBox: createSecretBox(Buffer.from(TEST_MASTER_KEY, 'base64')), keyVersions: createRedisKeyVersionStore(redis) });
    accountId = await fundedAccount(services, { USD: '10000' }, 'multi');
    key = await createTestKey(services, accountId, 'ed25519');
    const url = new URL(TEST_DATABASE_URL as string);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const env = { DATABASE_URL: url.toString(), REDIS_URL: TEST_REDIS_URL as string, SIGNET_MASTER_KEY: TEST_MASTER_KEY, SIGNET_PUBLIC_AUTHORITY: AUTHORITY };
    [a, b] = await Promise.all([spawnSignet(env), spawnSignet(env)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await driver?.close();
    await redis?.quit();
    await admin?.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin?.end();
  });

  const sign = (body: string, signer: TestKey = key) => signRequest(nodeCrypto, { method: 'POST', authority: AUTHORITY, path: '/graphql', body, keyId: signer.keyId, algorithm: signer.algorithm, privateKey: signer.privateKey, secret: signer.secret });
  const send = (server: SignetProcess, body: string, headers: object) =>
    fetch(`${server.url}/graphql`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...(headers as Record<string, string>) } });
  const orderCount = async () => (await services.orders.listOrders(accountId, { limit: 100 })).items.length;

  test('a request accepted by one process is a replayed nonce on the other', async () => {
    const body = JSON.stringify({ query: '{ me { id } }' });
    const signed = sign(body);
    expect((await send(a, body, signed.headers)).status).toBe(200);
    const replay = await send(b, body, signed.headers);
    expect(replay.status).toBe(401);
    expect((await replay.json()).errors[0].extensions.reason).toBe('NONCE_REUSED');
  });

  test('of 20 concurrent identical signed orders split across both processes, exactly one executes', async () => {
    const body = JSON.stringify({ query: 'mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "100", quantity: "0.01" }) @idempotent(key: "two-processes-1") { order { id } } }' });
    const signed = sign(body);
    const before = await orderCount();
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => send(i % 2 === 0 ? a : b, body, signed.headers).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(19);
    expect(await orderCount()).toBe(before + 1);
  });

  test('a revoked key fails on both processes at once (each had it cached)', async () => {
    const doomed = await createTestKey(services, accountId, 'hmac-sha256');
    const body = JSON.stringify({ query: '{ me { id } }' });
    for (let i = 0; i < 2; i += 1) {
      expect((await send(a, body, sign(body, doomed).headers)).status).toBe(200);
      expect((await send(b, body, sign(body, doomed).headers)).status).toBe(200);
    }
    await services.apiKeys.revokeApiKey(accountId, doomed.keyId);
    expect((await send(a, body, sign(body, doomed).headers)).status).toBe(401);
    expect((await send(b, body, sign(body, doomed).headers)).status).toBe(401);
  });

  test('both report ready with their database and Redis', async () => {
    for (const server of [a, b]) {
      const res = await fetch(`${server.url}/readyz`);
      expect(await res.json()).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
    }
  });
});
