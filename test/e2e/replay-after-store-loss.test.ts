/**
 * A signature executes at most once, whatever the nonce store forgot: the same captured bytes
 * re-sent after a Redis restart, after FLUSHALL and after an embedded process restart on the same
 * data directory are refused, and nothing of them executes. A client signing again is served
 * once the store's recovery point plus the skew has passed.
 */
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { createRedisIdempotencyStore } from '@signet/idempotency-redis';
import { signRequest } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import { eventually } from '../helpers/eventually';
import { spawnSignet, type SignetProcess } from '../helpers/processes';
import type { OwnRedis } from '../helpers/redis-server';
import { TEST_DATABASE_URL } from '../helpers/services';
import { startSignetOnOwnRedis, type SignetOnOwnRedis } from '../helpers/signet-on-own-redis';
import { SHARED_AUTHORITY, sendSigned, untilReady, type SharedSchema } from '../helpers/shared-schema';
import type { TestKey } from '../helpers/signet-server';

/** An unkeyed createApiKey: executed twice it would mint a second key and hand its private key to the replayer. */
const MINT_KEY = JSON.stringify({ query: 'mutation { createApiKey(input: { label: "captured", scopes: [READ] }) { apiKey { id } privateKey userErrors { code } } }' });
const COUNT_KEYS = JSON.stringify({ query: '{ me { apiKeys { id } } }' });
/** A keyed placeOrder (holds 1 USD): sent again with its Idempotency-Key it must replay, never place a second order. */
const PLACE_KEYED = JSON.stringify({ query: 'mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "100", quantity: "0.01" }) { order { id } userErrors { code } } }' });

/** Bytes on the wire: what an attacker who captured a request can re-send. */
interface Captured { readonly headers: Record<string, string>; readonly body: string }

function capture(authority: string, key: Pick<TestKey, 'keyId' | 'privateKey'>, body: string): Captured {
  const signed = signRequest(nodeCrypto, { method: 'POST', authority, path: '/graphql', body, keyId: key.keyId, algorithm: 'ed25519', privateKey: key.privateKey });
  return { headers: { 'content-type': 'application/json', ...signed.headers }, body };
}

async function send(server: SignetProcess, request: Captured) {
  const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: request.headers, body: request.body });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), json: await response.json() as any };
}

/** The key's account's API keys, read with a fresh signature once the store vouches for fresh ones again. */
async function keyCount(server: SignetProcess, authority: string, key: Pick<TestKey, 'keyId' | 'privateKey'>): Promise<number> {
  return eventually(async () => {
    const answer = await send(server, capture(authority, key, COUNT_KEYS));
    if (answer.status !== 200) throw new Error(`not served yet: ${answer.status} ${JSON.stringify(answer.json.errors?.[0]?.extensions)}`);
    return (answer.json.data.me.apiKeys as unknown[]).length;
  }, 15_000, 250);
}

/** The refusal of a replay the store cannot prove unseen: 503, retryable, nothing ran. */
function expectUnprovable(answer: Awaited<ReturnType<typeof send>>): void {
  expect(answer.status).toBe(503);
  expect(answer.json.errors[0].extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', reason: 'REPLAY_PROTECTION_RECOVERING', retryable: true });
  expect(Number(answer.retryAfter)).toBeGreaterThan(0);
  expect(answer.json.data).toBeUndefined();
}

const gate = TEST_DATABASE_URL ? describe : describe.skip;

gate(`replays after Redis forgot its nonces${TEST_DATABASE_URL ? '' : ' (skipped: TEST_DATABASE_URL is not set)'}`, () => {
  let suite: SignetOnOwnRedis | undefined;
  let redis: OwnRedis;
  let shared: SharedSchema;
  let signet: SignetProcess;
  let key: TestKey;

  const redisDir = mkdtempSync(join(tmpdir(), 'signet-redis-'));

  beforeAll(async () => {
    suite = await startSignetOnOwnRedis(TEST_DATABASE_URL as string, { name: 'replay-loss', deposits: { USD: '100' }, redisDir, ready: true });
    ({ redis, shared, signet, key } = suite);
  }, 60_000);

  afterAll(async () => {
    await suite?.close();
    rmSync(redisDir, { recursive: true, force: true });
  });

  /** Runs a captured createApiKey, lets `lose` empty Redis, and re-sends the same bytes. */
  async function replayAfter(lose: () => Promise<void>): Promise<void> {
    const captured = capture(SHARED_AUTHORITY, key, MINT_KEY);
    const first = await send(signet, captured);
    expect(first.status).toBe(200);
    expect(first.json.data.createApiKey.privateKey).toEqual(expect.any(String));
    const keysBefore = await keyCount(signet, SHARED_AUTHORITY, key);

    await lose();
    await untilReady(signet);
    expectUnprovable(await send(signet, captured));
    // Once fresh signatures are served again, the captured bytes are still refused, and no second key exists.
    expect(await keyCount(signet, SHARED_AUTHORITY, key)).toBe(keysBefore);
    const later = await send(signet, captured);
    expect(later.status).not.toBe(200);
    expect(later.json.data?.createApiKey ?? null).toBeNull();
    expect(await keyCount(signet, SHARED_AUTHORITY, key)).toBe(keysBefore);
  }

  test('after a Redis restart from a snapshot older than the request (its marker kept, the nonce gone), the captured request is refused and mints nothing', async () => {
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      await admin.save(); // the snapshot holds the completeness marker, written long before
    } finally {
      admin.disconnect();
    }
    try {
      await replayAfter(async () => {
        await redis.kill(); // a crash: the claims since the snapshot are lost
        await redis.start(); // loads the snapshot
      });
    } finally {
      rmSync(join(redisDir, 'dump.rdb'), { force: true });
    }
  }, 60_000);

  test('after a Redis restart without persistence, the captured request is refused and mints nothing', async () => {
    await replayAfter(async () => {
      await redis.kill();
      await redis.start();
    });
  }, 60_000);

  /**
   * Places a keyed order, lets `lose` take Redis's copy of its outcome, and retries it signed
   * afresh: the retry replays the first order, read from the durable record before anything ran
   * (no execution conflicted with the record), and no second order exists.
   */
  async function keyedRetryReplaysAfter(name: string, lose: () => Promise<void>): Promise<void> {
    const headers = { 'idempotency-key': `${name}-${Date.now()}` };
    const first = await sendSigned(signet, key, PLACE_KEYED, headers);
    expect(first.status).toBe(200);
    const orderId = first.json.data.placeOrder.order.id as string;
    const orders = await shared.orderCount(key.accountId);
    const logBefore = signet.output().length;

    await lose();
    await untilReady(signet);
    const retry = await eventually(async () => {
      const answer = await sendSigned(signet, key, PLACE_KEYED, headers);
      if (answer.status === 503) throw new Error('replay protection still recovering');
      return answer;
    }, 15_000, 250);
    expect(retry.status).toBe(200);
    expect(retry.replayed).toBe(true);
    expect(retry.json.data.placeOrder.order.id).toBe(orderId);
    expect(await shared.orderCount(key.accountId)).toBe(orders);
    // The server logs after it answers, and its output reaches this process through a pipe: wait
    // for the replay's line (a loaded machine delivered it after the answer), then read the whole slice.
    const log = await eventually(async () => {
      const since = signet.output().slice(logBefore);
      expect(since).toMatch(/"event":"idempotent_replay"[^\n]*"source":"durable"/);
      return since;
    }, 5_000, 100);
    expect(log).not.toMatch(/idempotency_record_conflict/);
  }

  test('a keyed placeOrder retried (signed afresh) after FLUSHALL replays the first order: the service ran once', async () => {
    // The emptied idempotency store is complete only since the flush: the retry reads the record first.
    await keyedRetryReplaysAfter('flush', async () => {
      const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      try {
        await admin.flushall(); // this suite's own redis-server
      } finally {
        admin.disconnect();
      }
    });
  }, 60_000);

  test('a keyed placeOrder retried (signed afresh) after a Redis restart from a snapshot taken before it replays the first order without running again', async () => {
    // The snapshot keeps the idempotency store's completeness marker but not the outcome cached
    // after it. A marker believed whoever wrote it let the retry skip the record lookup: the
    // order ran again, conflicted on the record and rolled back. The marker is made that of a
    // store complete for longer than the retention (an earlier test's FLUSHALL left a young one,
    // whose window would read the record anyway), written by the store itself in its own format.
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      await admin.del('signet:idem:complete-since');
      expect(await createRedisIdempotencyStore(admin).declareCompleteSince?.(0)).toBe(true);
      await admin.save();
    } finally {
      admin.disconnect();
    }
    try {
      await keyedRetryReplaysAfter('snapshot', async () => {
        await redis.kill(); // a crash: what was written since the snapshot is lost
        await redis.start(); // loads the snapshot, marker included, under a new run id
      });
    } finally {
      rmSync(join(redisDir, 'dump.rdb'), { force: true });
    }
  }, 60_000);

  test('after FLUSHALL, the captured request is refused and mints nothing', async () => {
    await replayAfter(async () => {
      const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      try {
        await admin.flushall();
      } finally {
        admin.disconnect();
      }
    });
  }, 60_000);
});

describe('replays after the embedded process restarted on the same data directory', () => {
  let dataDir: string;
  let server: SignetProcess | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'signet-replay-restart-'));
  });
  afterAll(async () => {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the captured request is refused by the new process and mints nothing', async () => {
    server = await spawnSignet({ SIGNET_DATA_DIR: dataDir }, 60_000);
    const { credentials } = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')) as { credentials: Array<{ name: string; keyId: string; privateKey: string }> };
    const alice = credentials.find((c) => c.name === 'alice')!;
    const aliceKey = { keyId: alice.keyId, privateKey: createPrivateKey({ key: Buffer.from(alice.privateKey, 'base64'), format: 'der', type: 'pkcs8' }) };
    const authority = new URL(server.url).host;
    const captured = capture(authority, aliceKey, MINT_KEY);
    expect((await send(server, captured)).status).toBe(200);
    const keysBefore = await keyCount(server, authority, aliceKey);
    expect(await server.stop()).toBe(0);

    // Same data directory, same port: the signature's authority still matches.
    server = await spawnSignet({ SIGNET_DATA_DIR: dataDir, PORT: new URL(server.url).port }, 60_000);
    expectUnprovable(await send(server, captured));
    expect(await keyCount(server, authority, aliceKey)).toBe(keysBefore);
    expect((await send(server, captured)).status).not.toBe(200);
    expect(await keyCount(server, authority, aliceKey)).toBe(keysBefore);
  }, 90_000);
});
