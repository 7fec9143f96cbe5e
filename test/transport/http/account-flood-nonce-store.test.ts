import { createMemoryNonceStore, type MemoryNonceStore } from '@signet/http-message-signatures';
import type { DomainServices } from '../../../src/domain';
import { createMemoryIdempotencyStore } from '@signet/idempotency';
import { createAccountPartitionedRateLimitStore, createSequentialAdmissionStore } from '../../../src/transport/admission';
import { REQUEST_LIMITS } from '../../../src/transport/http/request-limits';
import type { SecurityStores } from '../../../src/transport/security-stores';
import type { TestDatabase } from '../../helpers/database';
import { fundedAccount } from '../../helpers/domain';
import { describeWithRedis } from '../../helpers/services';
import { createTestKey, openSigningAccount, redisStores, signedRequest, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';

/**
 * An account flooding past its request limit must not fill the shared nonce store. Every request
 * the account limit refuses has its signature used up (its bytes never run later), but through
 * its key's floor, one entry per key, not one claim per request: before, one READ key sent from
 * enough addresses filled the embedded store (100,000 live nonces) and every account's signed
 * requests got 503 until the nonces expired.
 */
const ACCOUNT_LIMIT = 5;
const FLOOD = 120;
const LIMITS = {
  ...REQUEST_LIMITS, perIp: { max: 10_000, windowMs: 60_000 }, perAccount: { max: ACCOUNT_LIMIT, windowMs: 60_000 }, perKeyExits: { max: ACCOUNT_LIMIT, windowMs: 60_000 },
};
const ME = { query: '{ me { id } }' };
const EXIT = { query: 'mutation { cancelAllOrders { orders { id } userErrors { code } } }' };

interface Flood { readonly statuses: number[]; readonly reasons: Set<string>; readonly lastRefused: Awaited<ReturnType<typeof signedRequest>> }

/** FLOOD signed `payload`s of one key, from 12 addresses in turn (each within its own limit). */
async function flood(server: RunningSignet, key: TestKey, payload: unknown = ME): Promise<Flood> {
  const statuses: number[] = [];
  const reasons = new Set<string>();
  let lastRefused!: Awaited<ReturnType<typeof signedRequest>>;
  for (let i = 0; i < FLOOD; i += 1) {
    const answer = await signedRequest(server, key, payload, { from: `127.0.0.${2 + (i % 12)}` });
    statuses.push(answer.status);
    if (answer.status === 429) {
      lastRefused = answer;
      reasons.add(answer.json.errors[0].extensions.reason ?? answer.json.errors[0].extensions.code);
    }
  }
  return { statuses, reasons, lastRefused };
}

async function replayOf(server: RunningSignet, refused: Flood['lastRefused'], payload: unknown = ME) {
  const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...refused.signed.headers }, body: JSON.stringify(payload) });
  return { status: response.status, headers: response.headers, json: await response.json() };
}

describe('an account flooding past its limit (memory stores, a nonce store of 40 entries)', () => {
  let db: TestDatabase;
  let services: DomainServices;
  let flooder: TestKey;
  let trader: TestKey;
  let owner: TestKey;
  let bystander: TestKey;
  let nonces: MemoryNonceStore;
  let server: RunningSignet;
  beforeAll(async () => {
    let accountId: string;
    ({ db, services, accountId, key: owner } = await openSigningAccount({ USD: '10' }, 'flood'));
    flooder = await createTestKey(services, accountId, 'ed25519', ['READ']);
    trader = await createTestKey(services, await fundedAccount(services, { USD: '10' }, 'exits'), 'ed25519', ['READ', 'TRADE']);
    bystander = await createTestKey(services, await fundedAccount(services, { USD: '10' }, 'bystander'));
    nonces = createMemoryNonceStore({ completeSinceMs: 0, maxEntries: 40 });
    const parts = { nonces, rateLimits: createAccountPartitionedRateLimitStore(), idempotency: createMemoryIdempotencyStore() };
    const stores: SecurityStores = { kind: 'memory', ...parts, admission: createSequentialAdmissionStore(parts) };
    server = await startSignet(services, stores, { requestLimits: LIMITS });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  test('holds one entry for the refused requests, so other accounts keep getting in; a refused request never runs later', async () => {
    const { statuses, reasons, lastRefused } = await flood(server, flooder);
    expect(statuses.slice(0, ACCOUNT_LIMIT)).toEqual(Array(ACCOUNT_LIMIT).fill(200));
    // Every other request refused as over the limit (or at the floor its refused second left): none 503.
    expect(statuses.slice(ACCOUNT_LIMIT).every((status) => status === 429)).toBe(true);
    expect([...reasons].every((reason) => reason === 'RATE_LIMITED' || reason === 'SIGNED_WHILE_LIMITED')).toBe(true);
    // The admitted requests' claims, and the key's floor.
    expect(nonces.size()).toBeLessThanOrEqual(ACCOUNT_LIMIT + 1);
    expect((await signedRequest(server, bystander, ME)).status).toBe(200);
    const replay = await replayOf(server, lastRefused);
    expect([replay.status, replay.json.errors[0].extensions.reason]).toEqual([429, 'SIGNED_WHILE_LIMITED']);
    // The account's other key still gets out: exits spend their own key's budget, not the account's.
    expect((await signedRequest(server, owner, EXIT)).json.data.cancelAllOrders.userErrors).toEqual([]);
  }, 60_000);

  test('exits, which the account limit never refuses, are bounded by their key\'s exit budget and held the same way', async () => {
    const before = nonces.size();
    const { statuses, reasons, lastRefused } = await flood(server, trader, EXIT);
    expect(statuses.slice(0, ACCOUNT_LIMIT)).toEqual(Array(ACCOUNT_LIMIT).fill(200));
    expect(statuses.slice(ACCOUNT_LIMIT).every((status) => status === 429)).toBe(true);
    expect([...reasons].every((reason) => reason === 'RATE_LIMITED' || reason === 'SIGNED_WHILE_LIMITED')).toBe(true);
    expect(nonces.size() - before).toBeLessThanOrEqual(ACCOUNT_LIMIT + 1);
    expect((await signedRequest(server, bystander, ME)).status).toBe(200);
    const replay = await replayOf(server, lastRefused, EXIT);
    expect([replay.status, replay.json.errors[0].extensions.reason]).toEqual([429, 'SIGNED_WHILE_LIMITED']);
  }, 60_000);

  test('an unresolvable request the account limit refuses before its answer raises both of its key\'s floors', async () => {
    const confused = await createTestKey(services, await fundedAccount(services, { USD: '10' }, 'confused'), 'ed25519', ['READ', 'TRADE']);
    for (let i = 0; i < ACCOUNT_LIMIT; i += 1) expect((await signedRequest(server, confused, ME)).status).toBe(200);
    // Validation fails before any operation resolves: nobody classifies these bytes; its gates run before its answer leaves.
    const unresolved = await signedRequest(server, confused, { query: 'mutation { cancelAllOrders { noSuchField } }' });
    expect(unresolved.status).toBe(400);
    const input = String(unresolved.signed.headers['signature-input']);
    const nonce = /;nonce="([^"]+)"/.exec(input)![1];
    const createdMs = Number(/;created=(\d+)/.exec(input)![1]) * 1000;
    const asExit = { ttlMs: 35_000, notBeforeMs: createdMs, createdMs, floor: 'exit' };
    // So both floors stand once the answer is here: a fresh nonce signed in that second is refused.
    await expect(nonces.claim(confused.keyId, `probe-${Date.now()}-0123456789`, asExit)).resolves.toEqual({ status: 'superseded', upToMs: createdMs });
    // Whatever class another release would make of the same bytes, they are refused.
    await expect(nonces.claim(confused.keyId, nonce, asExit)).resolves.toEqual({ status: 'superseded', upToMs: createdMs });
    await expect(nonces.claim(confused.keyId, nonce, { ...asExit, floor: 'main' })).resolves.toEqual({ status: 'superseded', upToMs: createdMs });
  }, 30_000);
});

describeWithRedis('on Redis', (url) => {
  describe('an account flooding past its limit (Redis stores)', () => {
    let db: TestDatabase;
    let flooder: TestKey;
    let server: RunningSignet;
    let redis: ReturnType<typeof redisStores>;
    const run = `flood${Date.now().toString(36)}`;
    beforeAll(async () => {
      let services: DomainServices;
      let accountId: string;
      ({ db, services, accountId } = await openSigningAccount({ USD: '10' }, 'flood'));
      flooder = await createTestKey(services, accountId, 'ed25519', ['READ']);
      redis = redisStores(url, { run });
      server = await startSignet(services, redis.stores, { requestLimits: LIMITS });
    });
    afterAll(async () => {
      await server?.close();
      await redis?.close();
      await db?.close();
    });

    test('keeps one Redis key for the refused requests, not one each; a refused request never runs later', async () => {
      const { statuses, lastRefused } = await flood(server, flooder);
      expect(statuses.filter((status) => status === 200)).toHaveLength(ACCOUNT_LIMIT);
      expect(statuses.filter((status) => status === 429)).toHaveLength(FLOOD - ACCOUNT_LIMIT);
      // The admitted requests' nonces, the key's floor, the completeness marker and its eviction count (one each, whatever the flood).
      const keys = await redis.redis.keys(`t${run}:nonce:*`);
      expect(keys.length).toBeLessThanOrEqual(ACCOUNT_LIMIT + 3);
      expect(keys.filter((key) => !key.includes('{'))).toEqual(expect.arrayContaining([`t${run}:nonce:nonce-complete-since`, `t${run}:nonce:nonce-complete-since:evicted-keys`]));
      const replay = await replayOf(server, lastRefused);
      expect([replay.status, replay.json.errors[0].extensions.reason]).toEqual([429, 'SIGNED_WHILE_LIMITED']);
      // Named as the account's own 429 names it, read from the shared counter: still spent, so r=0 until its reset.
      const [policy, remaining, resetSeconds] = /^"Request\.account";r=(\d+);t=(\d+)/.exec(replay.headers.get('ratelimit') ?? '') ?? [];
      expect(policy).toBeDefined();
      expect(Number(remaining)).toBe(0);
      expect(Number(replay.headers.get('retry-after'))).toBeGreaterThanOrEqual(Number(resetSeconds));
    }, 60_000);
  });
});
