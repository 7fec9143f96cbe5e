import { request as httpRequest } from 'node:http';
import type { DomainServices } from '../../../src/domain';
import { signRequest } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import type { SecurityStores } from '../../../src/transport/security-stores';
import type { TestDatabase } from '../../helpers/database';
import { balancesOf, fundedAccount, servicesFor } from '../../helpers/domain';
import { WIDE_FIELD_LIMITS } from '../../helpers/idempotency';
import { createTestKey, signedRequest, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';

const PLACE = {
  query: 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id status } userErrors { code } } }',
  variables: { i: { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01' } },
};

/** POSTs with node:http, which sends an array header as repeated lines (fetch would join them). */
function rawPost(url: string, body: string, headers: Record<string, string | string[]>): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/graphql`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; }).on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Idempotency over real HTTP with signatures, against one kind of database and security stores. */
export function defineIdempotentHttpSuite(
  name: string,
  skipReason: string | null,
  openDatabase: () => Promise<TestDatabase>,
  openStores: () => Promise<{ stores: SecurityStores; close(): Promise<void> }>,
): void {
  (skipReason ? describe.skip : describe)(`@idempotent over HTTP (${name})${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
    let db: TestDatabase;
    let services: DomainServices;
    let stores: { stores: SecurityStores; close(): Promise<void> };
    let server: RunningSignet;
    /** `body` signed by `key` for this server, covering the Idempotency-Key header value `idempotencyKey`. */
    const signPlace = (key: TestKey, body: string, idempotencyKey: string) => signRequest(nodeCrypto, {
      method: 'POST', authority: server.authority, path: '/graphql', body, keyId: key.keyId, algorithm: key.algorithm, privateKey: key.privateKey,
      headers: { 'idempotency-key': idempotencyKey },
    });

    beforeAll(async () => {
      db = await openDatabase();
      services = servicesFor(db.driver);
      stores = await openStores();
      server = await startSignet(services, stores.stores, { directives: { rateLimitOverrides: WIDE_FIELD_LIMITS } });
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await stores?.close();
      await db?.close();
    });

    async function trader(): Promise<{ accountId: string; key: TestKey; orders: () => Promise<number> }> {
      const accountId = await fundedAccount(services, { USD: '1000' }, 'http');
      const key = await createTestKey(services, accountId, 'ed25519');
      return { accountId, key, orders: async () => (await services.orders.listOrders(accountId, { limit: 100 })).items.length };
    }

    test('a retry with a fresh signature and the same Idempotency-Key replays, with the Idempotent-Replayed header', async () => {
      const { key, orders } = await trader();
      const first = await signedRequest(server, key, PLACE, { headers: { 'idempotency-key': '"http-1"' } });
      expect(first.status).toBe(200);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect(first.json.extensions?.idempotentReplay).toBeUndefined();
      const retry = await signedRequest(server, key, PLACE, { headers: { 'idempotency-key': '"http-1"' } });
      expect(retry.signed.headers['signature-input']).not.toBe(first.signed.headers['signature-input']);
      expect(retry.status).toBe(200);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.json.data).toEqual(first.json.data);
      expect(retry.json.extensions.idempotentReplay).toEqual({ placeOrder: true });
      expect(await orders()).toBe(1);
    });

    test('Idempotent-Replayed: true only when every root field replayed; a document whose other keyed field ran carries the extension alone', async () => {
      const { key, orders } = await trader();
      const two = (a: string, b: string) => ({
        query: `mutation($i: PlaceOrderInput!) { __typename a: placeOrder(input: $i) @idempotent(key: "${a}") { order { id } } b: placeOrder(input: $i) @idempotent(key: "${b}") { order { id } } }`,
        variables: PLACE.variables,
      });
      const first = await signedRequest(server, key, two('whole-1', 'whole-2'));
      expect([first.status, first.headers.get('idempotent-replayed'), first.json.extensions?.idempotentReplay]).toEqual([200, null, undefined]);
      const retry = await signedRequest(server, key, two('whole-1', 'whole-2'));
      expect([retry.headers.get('idempotent-replayed'), retry.json.extensions.idempotentReplay]).toEqual(['true', { a: true, b: true }]);
      expect(retry.json.data).toEqual(first.json.data);
      // b is a new call: it places an order, so the answer as a whole is not a replay (the header said it was).
      const mixed = await signedRequest(server, key, two('whole-1', 'whole-3'));
      expect([mixed.headers.get('idempotent-replayed'), mixed.json.extensions.idempotentReplay]).toEqual([null, { a: true }]);
      expect(mixed.json.data.a).toEqual(first.json.data.a);
      expect(mixed.json.data.b.order.id).not.toBe(first.json.data.b.order.id);
      expect(await orders()).toBe(3);
    });

    test('a retry of the call that spent its field\'s limit, whose answer was lost, is replayed behind the spent limit; a new key is RATE_LIMITED', async () => {
      const tight = await startSignet(services, stores.stores, { directives: { rateLimitOverrides: { ...WIDE_FIELD_LIMITS, 'Mutation.placeOrder': { max: 3, window: '1m' } } } });
      try {
        const { key, orders } = await trader();
        const place = (idempotencyKey: string, payload: unknown = PLACE) => signedRequest(tight, key, payload, { headers: { 'idempotency-key': idempotencyKey } });
        for (const k of ['"spent-1"', '"spent-2"']) expect((await place(k)).json.data.placeOrder.order.status).toBe('OPEN');
        // The third and last call of the window commits; its answer is lost on the way back.
        const lost = await place('"spent-3"');
        expect(lost.json.data.placeOrder.order.status).toBe('OPEN');
        // The client retries with the same key and a fresh signature, as told: the outcome, not a refusal.
        const retry = await place('"spent-3"');
        expect(retry.signed.headers['signature-input']).not.toBe(lost.signed.headers['signature-input']);
        expect(retry.status).toBe(200);
        expect(retry.json.errors).toBeUndefined();
        expect(retry.json.data).toEqual(lost.json.data);
        expect(retry.headers.get('idempotent-replayed')).toBe('true');
        expect(retry.json.extensions.idempotentReplay).toEqual({ placeOrder: true });
        // The replay ran nothing and changed no budget: the field still has none left.
        expect(retry.headers.get('ratelimit')).toMatch(/^"Mutation\.placeOrder";r=0;t=\d+/);
        // A call that would run is still refused: a new key, and the same key with other arguments.
        const fresh = await place('"spent-4"');
        expect(fresh.json.data.placeOrder).toBeNull();
        expect(fresh.json.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
        expect(fresh.headers.get('idempotent-replayed')).toBeNull();
        const other = await place('"spent-3"', { ...PLACE, variables: { i: { ...PLACE.variables.i, price: '101' } } });
        expect(other.json.data.placeOrder).toBeNull();
        expect(other.json.errors[0].extensions.code).toBe('RATE_LIMITED');
        expect(await orders()).toBe(3);
      } finally {
        await tight.close();
      }
    });

    test('the same bytes sent twice fail the nonce check (401 NONCE_REUSED); signatures and idempotency are separate layers', async () => {
      const { key, orders } = await trader();
      const first = await signedRequest(server, key, PLACE, { headers: { 'idempotency-key': 'bytes-1' } });
      expect(first.status).toBe(200);
      const again = await fetch(`${server.url}/graphql`, {
        method: 'POST', body: JSON.stringify(PLACE), headers: { 'content-type': 'application/json', 'idempotency-key': 'bytes-1', ...first.signed.headers },
      });
      expect(again.status).toBe(401);
      expect((await again.json()).errors[0].extensions.reason).toBe('NONCE_REUSED');
      expect(again.headers.get('idempotent-replayed')).toBeNull();
      expect(await orders()).toBe(1);
    });

    test('captured bytes with the Idempotency-Key rewritten are refused, so the client\'s retry places the only order', async () => {
      const { key, orders } = await trader();
      // The client signs a keyed order; an attacker captures the bytes, swaps the key and delivers them first.
      const body = JSON.stringify(PLACE);
      const captured = signPlace(key, body, '"client-1"');
      const rewritten = await fetch(`${server.url}/graphql`, {
        method: 'POST', body, headers: { 'content-type': 'application/json', ...captured.headers, 'idempotency-key': '"attacker-1"' },
      });
      // The client saw no answer and retries with a fresh signature and its own key.
      const retry = await signedRequest(server, key, PLACE, { headers: { 'idempotency-key': '"client-1"' } });
      expect(await orders()).toBe(1);
      expect(rewritten.status).toBe(401);
      expect((await rewritten.json()).errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SIGNATURE_INVALID' });
      expect(retry.status).toBe(200);
      expect(retry.json.data.placeOrder.order.status).toBe('OPEN');
      expect(retry.signed.headers['signature-input']).toContain('"idempotency-key"');
    });

    test('an Idempotency-Key the signature does not cover is 401 IDEMPOTENCY_KEY_NOT_COVERED, naming the component; nothing placed', async () => {
      const { key, orders } = await trader();
      const res = await signedRequest(server, key, PLACE, {
        headers: { 'idempotency-key': '"uncovered-1"' }, sign: { components: ['@method', '@authority', '@path', 'content-digest'] },
      });
      expect(res.status).toBe(401);
      expect(res.json.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'IDEMPOTENCY_KEY_NOT_COVERED' });
      expect(res.json.errors[0].message).toContain('"idempotency-key"');
      expect(await orders()).toBe(0);
    });

    test('a non-ASCII Idempotency-Key, which no signature can cover, is 400 BAD_USER_INPUT about the key, not a malformed signature; nothing placed', async () => {
      const { key, orders } = await trader();
      const body = JSON.stringify(PLACE);
      const signed = signPlace(key, body, 'cle-1');
      // The client meant "clé-1"; node:http sends it as latin1 bytes.
      const res = await rawPost(server.url, body, { 'content-type': 'application/json', ...signed.headers, 'idempotency-key': 'cl\u00e9-1' });
      expect(res.status).toBe(400);
      expect(res.json.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'Idempotency-Key' });
      expect(res.json.errors[0].message).toContain('printable ASCII');
      expect(await orders()).toBe(0);
    });

    test('two covered Idempotency-Key lines verify as one joined value and are refused by the idempotency layer; nothing placed', async () => {
      const { key, orders } = await trader();
      const body = JSON.stringify(PLACE);
      const signed = signPlace(key, body, 'dup-1, dup-2');
      const res = await rawPost(server.url, body, { 'content-type': 'application/json', ...signed.headers, 'idempotency-key': ['dup-1', 'dup-2'] });
      expect(res.status).toBe(200);
      expect(res.json.data.placeOrder).toBeNull();
      expect(res.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(await orders()).toBe(0);
    });

    test('a missing required key is a field error in a 200 response: IDEMPOTENCY_KEY_REQUIRED, nothing placed', async () => {
      const { key, orders } = await trader();
      const res = await signedRequest(server, key, PLACE);
      expect(res.status).toBe(200);
      expect(res.json.data.placeOrder).toBeNull();
      expect(res.json.errors[0].extensions).toMatchObject({ code: 'IDEMPOTENCY_KEY_REQUIRED', retryable: false, requestId: res.headers.get('x-request-id') });
      expect(await orders()).toBe(0);
    });

    test('50 concurrent identical requests through one server: one order, one hold, every answer the outcome or IN_PROGRESS; then all replay', async () => {
      const { accountId, key, orders } = await trader();
      const headers = { 'idempotency-key': 'burst-1' };
      const responses = await Promise.all(Array.from({ length: 50 }, () => signedRequest(server, key, PLACE, { headers })));
      expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
      const outcomes = responses.filter((r) => r.json.data.placeOrder !== null);
      const busy = responses.filter((r) => r.json.data.placeOrder === null);
      expect(outcomes.length + busy.length).toBe(50);
      expect(outcomes.filter((r) => r.headers.get('idempotent-replayed') === null)).toHaveLength(1);
      const orderId = outcomes[0].json.data.placeOrder.order.id;
      expect(new Set(outcomes.map((r) => r.json.data.placeOrder.order.id))).toEqual(new Set([orderId]));
      for (const r of busy) expect(r.json.errors[0].extensions).toMatchObject({ code: 'IDEMPOTENCY_IN_PROGRESS', retryable: true, retryAfter: expect.any(Number) });
      expect(await orders()).toBe(1);
      expect(await balancesOf(services, accountId)).toMatchObject({ USD: { available: '999', held: '1' } });
      const retries = await Promise.all(Array.from({ length: 10 }, () => signedRequest(server, key, PLACE, { headers })));
      for (const r of retries) {
        expect(r.headers.get('idempotent-replayed')).toBe('true');
        expect(r.json.data.placeOrder.order.id).toBe(orderId);
      }
      expect(await orders()).toBe(1);
    });
  });
}
