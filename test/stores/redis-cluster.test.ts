/**
 * Every Redis store on a real three-master Redis Cluster: the same contract suites as the
 * standalone adapters, through an ioredis `Cluster` client. A script that touched keys in two
 * slots would fail here with CROSSSLOT; a key routed to the wrong node, with MOVED loops.
 * Then a `signet serve` process started with `REDIS_URL=redis+cluster://…` uses it.
 */
import { createPrivateKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from 'ioredis';
import { defineIdempotencyStoreContract } from '@signet/idempotency/testing';
import { createRedisIdempotencyStore } from '@signet/idempotency-redis';
import { createRedisAdmissionStore, createRedisKeyVersionStore, createRedisNonceStore, createRedisRateLimitStore } from '../../src/stores/redis';
import { signRequest } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import { defineNonceStoreContract } from '@signet/http-message-signatures/testing';
import { parseConfig } from '../../src/config';
import { createLogger, openRuntime } from '../../src/runtime';
import { spawnSignet, type SignetProcess } from '../helpers/processes';
import { redisClusterUnavailableReason, startLocalRedisCluster, type LocalRedisCluster } from '../helpers/redis-cluster';
import { defineAdmissionStoreContract } from './admission-store.contract';
import { defineRateLimitStoreContract } from '@signet/rate-limit/testing';

/**
 * Leases, retentions and windows the contract cases wait out on Redis's own clock. The cases assert
 * between two round trips that the entry is still there: a stall of the test process (a collection,
 * both cores busy) as long as this would fail them; 300 ms left too little room on a loaded 2-core machine.
 */
const REAL_TIME_TTL_MS = 1_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const unavailable = redisClusterUnavailableReason();
const gate = unavailable ? describe.skip : describe;

gate(`Redis stores on a three-node Redis Cluster${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  jest.setTimeout(30_000);
  const run = randomBytes(4).toString('hex');
  let cluster: LocalRedisCluster;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startLocalRedisCluster();
    client = cluster.connect();
  }, 30_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  // One clock in the contracts: a missing nonce marker records the stores' own now (the tolerance
  // for other processes' clocks is the nonce store's own test).
  defineNonceStoreContract('redis nonce store on a cluster', () => ({
    store: createRedisNonceStore(client, { prefix: `c${run}:nonce:`, clockToleranceMs: 0 }),
    elapse: sleep,
    now: Date.now,
    shortTtlMs: 1_000,
    // Every master's keys of this run gone: what a cluster-wide restart without persistence does.
    loseData: async () => {
      for (const node of client.nodes('master')) {
        const keys = await node.keys(`c${run}:nonce:*`);
        for (const key of keys) await node.del(key);
      }
      return createRedisNonceStore(client, { prefix: `c${run}:nonce:`, clockToleranceMs: 0 });
    },
  }));

  defineIdempotencyStoreContract('redis on a cluster', () => ({
    store: createRedisIdempotencyStore(client, { prefix: `c${run}:idem:` }),
    advance: sleep,
  }), { shortLeaseMs: REAL_TIME_TTL_MS });

  const rateLimits = () => createRedisRateLimitStore(client, { prefix: `c${run}:rl:` });
  defineRateLimitStoreContract('redis on a cluster', rateLimits, {
    shortWindowMs: REAL_TIME_TTL_MS,
    advance: sleep,
    isGone: async (key) => (await client.exists(rateLimits().redisKey(key))) === 0,
  });

  // On a cluster an admission list is cut into one script per hash tag, run in order: the
  // contract (gates that stop the list, leases behind limits that ran in an earlier call) holds.
  defineAdmissionStoreContract('redis admission on a cluster', () => ({
    admission: createRedisAdmissionStore(client, { rateLimitPrefix: `c${run}:rl:`, noncePrefix: `c${run}:nonce:`, idempotencyPrefix: `c${run}:idem:`, keyVersionPrefix: `c${run}:keyver:`, clockToleranceMs: 0 }),
    rateLimits: rateLimits(),
    nonces: createRedisNonceStore(client, { prefix: `c${run}:nonce:`, clockToleranceMs: 0 }),
    idempotency: createRedisIdempotencyStore(client, { prefix: `c${run}:idem:` }),
    keyVersions: createRedisKeyVersionStore(client, { prefix: `c${run}:keyver:` }),
  }));

  test('a whole request\'s admission takes one script per hash tag: its address, its key id, its account', async () => {
    const admission = createRedisAdmissionStore(client, { rateLimitPrefix: `c${run}:rl:`, noncePrefix: `c${run}:nonce:`, idempotencyPrefix: `c${run}:idem:`, keyVersionPrefix: `c${run}:keyver:` });
    const [ip, key, account] = ['198.51.100.7', `key_${run}`, `acct-${run}`];
    const version = await createRedisKeyVersionStore(client, { prefix: `c${run}:keyver:` }).current(key);
    const spy = jest.spyOn(client, 'evalsha');
    try {
      const rule = { max: 100, windowMs: 60_000 };
      const outcomes = await admission.admit([
        { kind: 'nonce', keyId: key, nonce: `n-${Date.now()}`, ttlMs: 35_000, notBeforeMs: Date.now(), createdMs: Date.now() },
        { kind: 'keyVersion', keyId: key, expected: version },
        { kind: 'limit', key: `ip:{${ip}}`, rule, gate: true },
        { kind: 'blocked', key: `authfail:ip:{${ip}}`, rule },
        { kind: 'limit', key: `account:{${account}}`, rule, gate: true },
        { kind: 'limit', key: `field:Mutation.placeOrder:60000:account:{${account}}`, rule, gate: false },
        { kind: 'lease', scopeKey: `${account}:placeOrder:k-${Date.now()}`, fingerprint: 'fp', leaseMs: 10_000, after: 5 },
      ]);
      expect(outcomes.map((o) => o.kind)).toEqual(['nonce', 'keyVersion', 'limit', 'blocked', 'limit', 'limit', 'lease']);
      expect(outcomes[0]).toEqual({ kind: 'nonce', claim: { status: 'claimed' } });
      expect(outcomes[1]).toEqual({ kind: 'keyVersion', current: version });
      expect(outcomes[6]).toMatchObject({ claim: { kind: 'acquired', completeSinceMs: expect.any(Number) } });
      // The nonce with its slot's completeness marker, the key's floor and the key's version (four
      // keys, one tag: the key id), the address's two, the account's four (two limits, the lease
      // with its slot's idempotency marker).
      expect(spy.mock.calls.map((call) => call[1])).toEqual([4, 2, 4]);
    } finally {
      spy.mockRestore();
    }
  });

  test('the suites spread their keys over more than one master (the cluster really shards them)', async () => {
    const sizes = await Promise.all(client.nodes('master').map((node) => node.dbsize()));
    expect(sizes.filter((size) => size > 0).length).toBeGreaterThan(1);
  });

  test('credentials the cluster refuses stop start-up naming REDIS_URL, without echoing the password', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'signet-cluster-auth-'));
    try {
      const url = cluster.url.replace('redis+cluster://', 'redis+cluster://no-such-user:not-the-password-42@');
      const failure = openRuntime(parseConfig({ REDIS_URL: url, SIGNET_DATA_DIR: dataDir }), createLogger('silent'));
      await expect(failure).rejects.toThrow(/^Redis refused the credentials in REDIS_URL \(WRONGPASS/);
      await expect(failure).rejects.not.toThrow(/not-the-password-42/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a signet process given REDIS_URL=redis+cluster://… keeps its security state on the cluster', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'signet-cluster-serve-'));
    let server: SignetProcess | undefined;
    try {
      server = await spawnSignet({ REDIS_URL: cluster.url, SIGNET_DATA_DIR: dataDir });
      const ready = await fetch(`${server.url}/readyz`);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
      const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ serverTime }"}' });
      expect(response.status).toBe(200);
      expect((await response.json()).data.serverTime).toEqual(expect.any(String));
      // The per-IP layer counted this request in the cluster, not in process memory.
      expect(await client.exists('signet:rl:ip:{127.0.0.1}')).toBe(1);
      expect(server.output()).not.toContain('in-process memory');

      // A signed, keyed order: its admission (three scripts, one per hash tag) and its outcome on the cluster.
      const { credentials } = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')) as { credentials: Array<{ name: string; keyId: string; privateKey: string; accountId: string }> };
      const alice = credentials.find((c) => c.name === 'alice')!;
      const body = JSON.stringify({ query: 'mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "100", quantity: "0.01" }) { order { id status } userErrors { code } } }' });
      const signedOrder = () => {
        const signed = signRequest(nodeCrypto, {
          method: 'POST', authority: new URL(server!.url).host, path: '/graphql', body, keyId: alice.keyId, algorithm: 'ed25519',
          privateKey: createPrivateKey({ key: Buffer.from(alice.privateKey, 'base64'), format: 'der', type: 'pkcs8' }),
          headers: { 'idempotency-key': '"cluster-order-1"' },
        });
        return { 'content-type': 'application/json', 'idempotency-key': '"cluster-order-1"', ...signed.headers };
      };
      const order = (headers: Record<string, string>) => fetch(`${server!.url}/graphql`, { method: 'POST', headers, body });
      // A new cluster: the server's nonce markers record its start plus the processes' clock
      // tolerance, so the demo keys it seeded at once are REPLAY_PROTECTION_RECOVERING for up to about
      // 10 s. As a client does: sign again after Retry-After (same idempotency key: nothing ran).
      // Any other refusal fails the test.
      let firstHeaders = signedOrder();
      let first = await (await order(firstHeaders)).json();
      for (let attempt = 0; first.errors?.[0]?.extensions?.reason === 'REPLAY_PROTECTION_RECOVERING' && attempt < 3; attempt++) {
        expect(first.errors[0].extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true, retryAfter: expect.any(Number) });
        await sleep(first.errors[0].extensions.retryAfter * 1000);
        firstHeaders = signedOrder();
        first = await (await order(firstHeaders)).json();
      }
      expect(first.errors).toBeUndefined();
      expect(first.data.placeOrder.order.status).toBe('OPEN');
      const retry = await order(signedOrder());
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect((await retry.json()).data.placeOrder.order.id).toBe(first.data.placeOrder.order.id);
      const replayed = await order(firstHeaders);
      expect(replayed.status).toBe(401);
      expect((await replayed.json()).errors[0].extensions.reason).toBe('NONCE_REUSED');
      expect(await client.exists(`signet:rl:account:{${alice.accountId}}`)).toBe(1);
    } finally {
      await server?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
