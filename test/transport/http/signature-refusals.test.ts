/**
 * Junk naming a key id costs only the source that sent it, never the key's owner. A signed
 * request refused for any reason never runs later from its captured bytes, from any address: refused by its address's limit (in its admission, or before its body by this
 * process's memo), by the failed-signature guard, for a `created` ahead of the server clock, or
 * for a detail its signature does not cover (Content-Type, Content-Encoding, an Idempotency-Key,
 * the query, Host, the body's bytes, a forwarded address that is not one, an Accept that asks for the
 * playground page) that the same bytes could send right.
 * And every signed request that reaches the body parser counts against its address.
 */
import type { DomainServices } from '../../../src/domain';
import { signRequest } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import type { TestDatabase } from '../../helpers/database';
import { requestFrom } from '../../helpers/from-address';
import { createTestKey, memoryStores, openSigningAccount, redisStores, signedRequest, startSignet, type RunningSignet, type SignedCall, type TestKey } from '../../helpers/signet-server';
import { describeWithRedis } from '../../helpers/services';
import type { SecurityStores } from '../../../src/transport/security-stores';
import type { RateLimitStore } from '@signet/rate-limit';

let keys = 0;
/** A keyed order, its idempotency key in the signed body: a new one every call. */
const order = () => ({ query: `mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "100", quantity: "0.01" }) @idempotent(key: "refused-${process.pid}-${(keys += 1)}") { order { id } userErrors { code } } }` });
const WIDE = { max: 100_000, windowMs: 60_000 };
const ME = { query: '{ me { id } }' };

/** Re-sends a signed request's exact bytes (headers and body) from another loopback address, with `headers` it does not sign. */
async function replayFrom(server: RunningSignet, from: string, sent: { signed: { headers: object }; body: string }, headers: Record<string, string> = {}) {
  const body = sent.body;
  const answer = await requestFrom(from, `${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers, ...sent.signed.headers }, body });
  return { status: answer.status, json: JSON.parse(await answer.text()) };
}

/**
 * A keyed order refused for one detail its signature does not cover (`wrong`: how the first send
 * differs, given the body signed), the answer it gets, and the replay's extra headers (`right`).
 * The replay sends the same signature and body with that detail right: to /graphql, as
 * application/json, uncompressed, without an Idempotency-Key, to a Host that is the server's.
 */
interface UnsignedDetail {
  readonly wrong: (body: string, server: RunningSignet) => SignedCall;
  readonly refusal: { status: number; code: string; reason?: string };
  readonly right?: (server: RunningSignet) => Record<string, string>;
}
const localhost = (server: RunningSignet) => `localhost:${new URL(server.url).port}`;
const UNSIGNED_DETAILS: ReadonlyArray<[string, UnsignedDetail]> = [
  ['an unsupported Content-Type', { wrong: () => ({ headers: { 'content-type': 'text/plain' } }), refusal: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' } }],
  ['a charset other than UTF-8', { wrong: () => ({ headers: { 'content-type': 'application/json; charset=iso-8859-1' } }), refusal: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' } }],
  ['a compressed body (Content-Encoding)', { wrong: () => ({ headers: { 'content-encoding': 'gzip' } }), refusal: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' } }],
  ['an Idempotency-Key no signature can cover (not ASCII)', {
    wrong: () => ({ headers: { 'idempotency-key': 'clé-1' }, sign: { headers: {} } }), refusal: { status: 400, code: 'BAD_USER_INPUT' },
  }],
  ['an Idempotency-Key the signature does not cover', {
    wrong: () => ({ headers: { 'idempotency-key': 'uncovered-1' }, sign: { headers: {} } }), refusal: { status: 401, code: 'UNAUTHENTICATED', reason: 'IDEMPOTENCY_KEY_NOT_COVERED' },
  }],
  ['a query the signature does not cover', {
    wrong: () => ({ path: '/graphql?tenant=1', sign: { path: '/graphql' } }), refusal: { status: 401, code: 'UNAUTHENTICATED', reason: 'MALFORMED_SIGNATURE' },
  }],
  ['a Host that is not one of the server\'s names', {
    wrong: (_body, server) => ({ headers: { host: 'api.internal:8080' }, sign: { authority: localhost(server) } }),
    refusal: { status: 401, code: 'UNAUTHENTICATED', reason: 'SIGNATURE_INVALID' },
    right: (server) => ({ host: localhost(server) }),
  }],
  ['a body other than the one signed', {
    wrong: (body) => ({ body: body.replace('0.01', '0.02'), sign: { body } }), refusal: { status: 401, code: 'UNAUTHENTICATED', reason: 'DIGEST_MISMATCH' },
  }],
];

/** `store` with every consume answered `delayMs` late (0: `store` itself). */
function answeringLate(store: RateLimitStore, delayMs: number): RateLimitStore {
  if (delayMs === 0) return store;
  return {
    peek: (key, rule) => store.peek(key, rule),
    consume: async (key, rule) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return store.consume(key, rule);
    },
  };
}

/** Sends a fresh keyed order and keeps its body for a replay. */
async function sendOrder(server: RunningSignet, key: TestKey, call: SignedCall = {}) {
  const body = JSON.stringify(order());
  return { ...(await signedRequest(server, key, undefined, { ...call, body })), body };
}

/** The suite over one kind of security stores (fresh ones per server). */
function defineRefusedSignatureSuite(name: string, openStores: () => SecurityStores) {
  describe(`signature refusals cost the sender, and a refused request never runs later (${name})`, () => {
    let db: TestDatabase;
    let services: DomainServices;
    let accountId: string;
    let key: TestKey;
    const orders = async () => (await services.orders.listOrders(accountId, { limit: 100 })).items.length;

    beforeAll(async () => {
      ({ db, services, accountId, key } = await openSigningAccount({ USD: '100000' }, 'refused'));
    });
    afterAll(async () => db?.close());

    test('refused by its address\'s limit (in its admission, counted before its body, then known): replayed from another address, it is a reused nonce', async () => {
      // Two processes on the same stores: the second has not seen the address spend its budget.
      const stores = openStores();
      const limits = { requestLimits: { perIp: { max: 1, windowMs: 60_000 }, perAccount: WIDE } };
      const [server, other] = [await startSignet(services, stores, limits), await startSignet(services, stores, limits)];
      try {
        const before = await orders();
        const first = await sendOrder(server, key, { from: '127.0.0.2' });
        expect(first.status).toBe(200);
        expect(first.json.data.placeOrder.order.id).toEqual(expect.any(String));
        // Over the address's limit in its admission (a process that let it through uncounted): 429, after its nonce was claimed.
        const inAdmission = await sendOrder(other, key, { from: '127.0.0.2' });
        expect(inAdmission.status).toBe(429);
        // A process that saw the address's budget spent counts the request before its body: refused there.
        const countedFirst = await sendOrder(server, key, { from: '127.0.0.2' });
        expect(countedFirst.status).toBe(429);
        // A process that has been refused the address knows it is over: refused before its body, without a count.
        const known = await sendOrder(other, key, { from: '127.0.0.2' });
        expect(known.status).toBe(429);
        // Each replayed from an address of its own, within its limit.
        for (const [i, [to, refused]] of ([[other, inAdmission], [server, countedFirst], [other, known]] as const).entries()) {
          const replay = await replayFrom(to, `127.0.0.${3 + i}`, refused);
          expect(replay.status).toBe(401);
          expect(replay.json.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'NONCE_REUSED' });
        }
        expect(await orders()).toBe(before + 1);
      } finally {
        await Promise.all([server.close(), other.close()]);
      }
    });

    test('refused because its source is blocked for guessing: replayed from another address, it is a reused nonce', async () => {
      const server = await startSignet(services, openStores(), { authFailureLimits: { perIp: { max: 1, windowMs: 60_000 } } });
      try {
        const stranger = await createTestKey(services, accountId);
        const before = await orders();
        expect((await sendOrder(server, key, { from: '127.0.0.4', sign: { privateKey: stranger.privateKey } })).status).toBe(401);
        const blocked = await sendOrder(server, key, { from: '127.0.0.4' });
        expect(blocked.status).toBe(429);
        const replay = await replayFrom(server, '127.0.0.5', blocked);
        expect(replay.json.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'NONCE_REUSED' });
        expect(await orders()).toBe(before);
      } finally {
        await server.close();
      }
    });

    test('refused for a `created` ahead of the server clock: once that time comes, the same bytes are a reused nonce', async () => {
      const clock = { now: Date.now() };
      const server = await startSignet(services, openStores(), { now: () => clock.now });
      try {
        const before = await orders();
        const ahead = await sendOrder(server, key, { sign: { created: Math.floor(clock.now / 1000) + 20 } });
        expect(ahead.status).toBe(401);
        expect(ahead.json.errors[0].extensions.reason).toBe('SIGNATURE_EXPIRED');
        clock.now += 16_000;
        const replay = await replayFrom(server, '127.0.0.6', ahead);
        expect(replay.json.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'NONCE_REUSED' });
        expect(await orders()).toBe(before);
      } finally {
        await server.close();
      }
    });

    test.each(UNSIGNED_DETAILS)('refused for %s: the same bytes with it put right are a reused nonce, and nothing ran', async (_detail, { wrong, refusal, right }) => {
      const server = await startSignet(services, openStores());
      try {
        const before = await orders();
        const body = JSON.stringify(order());
        const refused = await signedRequest(server, key, undefined, { body, from: '127.0.0.8', ...wrong(body, server) });
        expect(refused.status).toBe(refusal.status);
        expect(refused.json.errors[0].extensions).toMatchObject({ code: refusal.code, ...(refusal.reason ? { reason: refusal.reason } : {}) });
        const replay = await replayFrom(server, '127.0.0.9', { ...refused, body }, right?.(server));
        expect([replay.status, replay.json.errors?.[0]?.extensions]).toEqual([401, expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'NONCE_REUSED' })]);
        expect(await orders()).toBe(before);
      } finally {
        await server.close();
      }
    });

    test('refused for a forwarded client address that is not one: the same bytes with a real address are a reused nonce, and nothing ran', async () => {
      const server = await startSignet(services, openStores(), { clientAddress: { trustProxy: { kind: 'ranges', ranges: ['127.0.0.0/8'] }, ipv6LimitPrefix: 64 } });
      try {
        const before = await orders();
        const body = JSON.stringify(order());
        const refused = await signedRequest(server, key, undefined, { body, headers: { 'x-forwarded-for': 'unknown' } });
        expect(refused.status).toBe(400);
        expect(refused.json.errors[0].extensions).toMatchObject({ code: 'BAD_REQUEST' });
        const replay = await replayFrom(server, '127.0.0.9', { ...refused, body }, { 'x-forwarded-for': '203.0.113.9' });
        expect([replay.status, replay.json.errors?.[0]?.extensions]).toEqual([401, expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'NONCE_REUSED' })]);
        expect(await orders()).toBe(before);
      } finally {
        await server.close();
      }
    });

    test('such refusals from one peer do not use up another peer\'s retirement allowance', async () => {
      const server = await startSignet(services, openStores(), { clientAddress: { trustProxy: { kind: 'ranges', ranges: ['127.0.0.0/8'] }, ipv6LimitPrefix: 64 } });
      try {
        const before = await orders();
        // One peer spends its whole allowance (120 a minute) and more.
        for (let i = 0; i <= 120; i += 1) {
          expect((await signedRequest(server, key, ME, { from: '127.0.0.2', headers: { 'x-forwarded-for': 'unknown' } })).status).toBe(400);
        }
        const body = JSON.stringify(order());
        const refused = await signedRequest(server, key, undefined, { body, from: '127.0.0.3', headers: { 'x-forwarded-for': 'unknown' } });
        expect(refused.status).toBe(400);
        const replay = await replayFrom(server, '127.0.0.9', { ...refused, body }, { 'x-forwarded-for': '203.0.113.9' });
        expect([replay.status, replay.json.errors?.[0]?.extensions]).toEqual([401, expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'NONCE_REUSED' })]);
        expect(await orders()).toBe(before);
      } finally {
        await server.close();
      }
    });

    test('a signed GET that prefers HTML is not served the playground page: refused, its bytes are then a reused nonce', async () => {
      const server = await startSignet(services, openStores());
      try {
        const query = `query=${encodeURIComponent('{ me { id } }')}`;
        const page = await signedRequest(server, key, undefined, { method: 'GET', path: `/graphql?${query}`, body: '', sign: { path: '/graphql', query }, headers: { accept: 'text/html' } });
        expect(page.status).toBe(406);
        expect(page.text).not.toContain('<html');
        const replay = await fetch(`${server.url}/graphql?${query}`, { headers: { ...page.signed.headers, accept: 'application/json', 'apollo-require-preflight': '1' } });
        expect(replay.status).toBe(401);
        expect((await replay.json()).errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'NONCE_REUSED' });
      } finally {
        await server.close();
      }
    });

    test('junk naming a victim\'s key id never refuses the owner: only the guessing source is slowed, before any crypto', async () => {
      const server = await startSignet(services, openStores(), { authFailureLimits: { perIp: { max: 12, windowMs: 60_000 } } });
      try {
        const stranger = await createTestKey(services, accountId);
        // Ten junk requests naming the victim's key id: a wrong private key, then not even a parseable signature.
        const junk: number[] = [];
        for (let i = 0; i < 5; i += 1) junk.push((await signedRequest(server, key, ME, { from: '127.0.0.2', sign: { privateKey: stranger.privateKey } })).status);
        for (let i = 0; i < 5; i += 1) junk.push((await signedRequest(server, key, ME, { from: '127.0.0.2', headers: { signature: 'sig1=:AAAA:' } })).status);
        expect(junk).toEqual(new Array(10).fill(401));
        // The owner, from its own address, is served every time.
        for (let i = 0; i < 5; i += 1) expect((await signedRequest(server, key, ME, { from: '127.0.0.4' })).status).toBe(200);
        // The guessing source spends its own budget, then is refused before any key lookup or crypto.
        for (let i = 0; i < 2; i += 1) expect((await signedRequest(server, key, ME, { from: '127.0.0.2', headers: { signature: 'sig1=:AAAA:' } })).status).toBe(401);
        const lookups = jest.spyOn(services.apiKeys, 'loadVerificationMaterial');
        const blocked = await signedRequest(server, key, ME, { from: '127.0.0.2' });
        expect(blocked.status).toBe(429);
        expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(blocked.json.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
        expect(lookups).not.toHaveBeenCalled();
        lookups.mockRestore();
        expect((await signedRequest(server, key, ME, { from: '127.0.0.4' })).status).toBe(200);
      } finally {
        await server.close();
      }
    });

    // A signed PUT or PATCH to /graphql (405, its body still parsed) once skipped the count before
    // its body as a signed request, and no settling counted it after: 12 of 12 parsed at a limit of 5.
    test.each(['PUT', 'PATCH'])('a signed %s to /graphql counts against its address before its body is read', async (method) => {
      const server = await startSignet(services, openStores(), { requestLimits: { perIp: { max: 5, windowMs: 60_000 }, perAccount: WIDE } });
      try {
        const body = JSON.stringify(ME);
        const statuses: number[] = [];
        for (let i = 0; i < 12; i += 1) {
          const signed = signRequest(nodeCrypto, { method, authority: server.authority, path: '/graphql', body, keyId: key.keyId, algorithm: 'ed25519', privateKey: key.privateKey });
          const answer = await requestFrom('127.0.0.8', `${server.url}/graphql`, { method, headers: { 'content-type': 'application/json', ...signed.headers }, body });
          statuses.push(answer.status);
        }
        expect(statuses).toEqual([...new Array(5).fill(405), ...new Array(7).fill(429)]);
      } finally {
        await server.close();
      }
    });

    // A slow store once let the count land after the answer: the sender's next requests reached the parser too.
    test.each([['answering at once', 0], ['answering 30 ms late', 30]])('a Signature header does not exempt an unparseable body from its address\'s limit (store %s)', async (_name, delayMs) => {
      const stores = openStores();
      const server = await startSignet(services, { ...stores, rateLimits: answeringLate(stores.rateLimits, delayMs) }, { requestLimits: { perIp: { max: 20, windowMs: 60_000 }, perAccount: WIDE } });
      try {
        const body = '{"query": "{ me { id } }", broken';
        const statuses: number[] = [];
        for (let i = 0; i < 40; i += 1) {
          const signed = signRequest(nodeCrypto, { method: 'POST', authority: server.authority, path: '/graphql', body, keyId: key.keyId, algorithm: 'ed25519', privateKey: key.privateKey });
          const answer = await requestFrom('127.0.0.7', `${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...signed.headers }, body });
          statuses.push(answer.status);
        }
        // Each counts before it is answered; once the address has nothing left, the next is counted
        // before its body and refused there: 20 parsed, every later one 429.
        expect(statuses).toEqual([...new Array(20).fill(400), ...new Array(20).fill(429)]);
      } finally {
        await server.close();
      }
    });

    // Sent at once (parallel connections, or pipelined), such bodies were all parsed and verified
    // before the first count landed: 60 of 60 at a limit of 20 with a store answering 30 ms late.
    // A signed request now skips the count before its body only while this process's uncounted
    // ones fit in what the address has left; past that it is counted first, as an unsigned one is.
    // Each process that has heard nothing of the address lets up to the limit through uncounted.
    test.each([
      ['one process, the store answering at once', 1, 0],
      ['one process, the store answering 30 ms late', 1, 30],
      ['two processes, the store answering 30 ms late', 2, 30],
    ])('a burst of signed bodies sent at once is refused before its bodies once it passes what its address has left (%s)', async (_name, processes, delayMs) => {
      const stores = openStores();
      const late = { ...stores, rateLimits: answeringLate(stores.rateLimits, delayMs) };
      const servers: RunningSignet[] = [];
      for (let i = 0; i < processes; i += 1) servers.push(await startSignet(services, late, { requestLimits: { perIp: { max: 20, windowMs: 60_000 }, perAccount: WIDE } }));
      try {
        const body = '{"query": "{ me { id } }", broken';
        const send = async (i: number) => {
          const server = servers[i % servers.length];
          const signed = signRequest(nodeCrypto, { method: 'POST', authority: server.authority, path: '/graphql', body, keyId: key.keyId, algorithm: 'ed25519', privateKey: key.privateKey });
          return (await requestFrom('127.0.0.7', `${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...signed.headers }, body })).status;
        };
        const sent = 60 * processes;
        const statuses = await Promise.all(Array.from({ length: sent }, (_, i) => send(i)));
        const parsed = statuses.filter((status) => status === 400).length;
        // Per process at most the 20 let through uncounted, and overall the 20 the shared count allows before their bodies.
        expect(parsed).toBeGreaterThanOrEqual(20);
        expect(parsed).toBeLessThanOrEqual(20 * (processes + 1));
        expect(statuses.filter((status) => status === 429).length).toBe(sent - parsed);
        // Every one was counted once: the address is over for the rest of its window, everywhere.
        for (let i = 0; i < processes; i += 1) expect(await send(i)).toBe(429);
      } finally {
        await Promise.all(servers.map((server) => server.close()));
      }
    });
  });
}

defineRefusedSignatureSuite('memory stores', memoryStores);

describe('a verified request counted before its body (memory stores, the limits on a moved clock)', () => {
  let db: TestDatabase;
  let key: TestKey;
  let server: RunningSignet;
  let limiterMs = 0;
  beforeAll(async () => {
    let services: DomainServices;
    ({ db, services, key } = await openSigningAccount({ USD: '100' }, 'counted-first'));
    server = await startSignet(services, memoryStores({ rateLimitClock: () => limiterMs }), { requestLimits: { perIp: { max: 5, windowMs: 60_000 }, perAccount: WIDE } });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  test('is not counted again in its admission', async () => {
    const me = async () => {
      const answer = await signedRequest(server, key, ME, { from: '127.0.0.6' });
      return [answer.status, answer.headers.get('ratelimit')];
    };
    // Five let through uncounted before their bodies, each counted in its admission: this
    // process's allowance for the address is spent for the window.
    for (let i = 4; i >= 0; i -= 1) expect(await me()).toEqual([200, expect.stringContaining(`"Request.ip";r=${i};`)]);
    // The shared window ends (the limiter's clock moves) but this process's allowance does not
    // know: the next ones are counted before their bodies, each once.
    limiterMs += 60_001;
    for (let i = 4; i >= 0; i -= 1) expect(await me()).toEqual([200, expect.stringContaining(`"Request.ip";r=${i};`)]);
    expect((await me())[0]).toBe(429);
  });
});

describeWithRedis('on Redis', (url) => {
  const handles: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => { await Promise.all(handles.map((h) => h.close())); });
  defineRefusedSignatureSuite('Redis stores', () => {
    const handle = redisStores(url);
    handles.push(handle);
    return handle.stores;
  });
});
