import { request as httpRequest } from 'node:http';
import type { DomainServices } from '../../../src/domain';
import type { SecurityStores } from '../../../src/transport/security-stores';
import { computeContentDigest, signRequest } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import type { TestDatabase } from '../../helpers/database';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { captureLogger } from '../../helpers/logger';
import { createTestKey, signedRequest, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';

const ME = { query: '{ me { id balances { asset available held } } }' };
const PLACE = (clientOrderId: string) => ({
  query: 'mutation($i: PlaceOrderInput!, $k: String) { placeOrder(input: $i) @idempotent(key: $k) { order { id status } userErrors { code } } }',
  variables: { i: { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01', clientOrderId }, k: clientOrderId },
});
const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Every path of RFC 9421 request verification over real HTTP, against one kind of security store.
 * `openStores` gives the nonce/rate-limit/idempotency stores (memory or Redis).
 */
export function defineSignedRequestSuite(name: string, openDatabase: () => Promise<TestDatabase>, openStores: () => Promise<{ stores: SecurityStores; close(): Promise<void> }>): void {
  describe(`signed requests (${name})`, () => {
    let db: TestDatabase;
    let services: DomainServices;
    let stores: { stores: SecurityStores; close(): Promise<void> };
    let server: RunningSignet;
    let accountId: string;
    let ed: TestKey;
    let hmac: TestKey;
    const log = captureLogger();

    beforeAll(async () => {
      db = await openDatabase();
      services = servicesFor(db.driver);
      stores = await openStores();
      server = await startSignet(services, stores.stores, { logger: log.logger });
      accountId = await fundedAccount(services, { USD: '1000' }, 'signer');
      ed = await createTestKey(services, accountId, 'ed25519');
      hmac = await createTestKey(services, accountId, 'hmac-sha256');
    });
    afterAll(async () => {
      await server?.close();
      await stores?.close();
      await db?.close();
    });

    const ordersOf = async () => (await services.orders.listOrders(accountId, { limit: 100 })).items.length;
    /** Asserts a whole-request rejection: 401, the reason, a Date header, a structured body, nothing executed. */
    async function expectRejected(res: Awaited<ReturnType<typeof signedRequest>>, reason: string) {
      expect(res.status).toBe(401);
      expect(res.headers.get('date')).toEqual(expect.any(String));
      expect(res.json).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED', reason, retryable: false, requestId: res.headers.get('x-request-id') } }] });
      expect(res.json.data).toBeUndefined();
    }

    test('a valid ed25519 request acts for its account', async () => {
      const res = await signedRequest(server, ed, ME);
      expect(res.status).toBe(200);
      expect(res.json.data.me).toEqual({ id: accountId, balances: expect.arrayContaining([{ asset: 'USD', available: '1000', held: '0' }]) });
    });

    test('a valid hmac-sha256 request acts for its account', async () => {
      const res = await signedRequest(server, hmac, ME);
      expect(res.status).toBe(200);
      expect(res.json.data.me.id).toBe(accountId);
    });

    test('a sha-512 Content-Digest is accepted too', async () => {
      const res = await signedRequest(server, ed, ME, { sign: { digestAlgorithm: 'sha-512' } });
      expect(res.status).toBe(200);
    });

    test('a body tampered with after signing (digest unchanged) is DIGEST_MISMATCH and places nothing', async () => {
      const before = await ordersOf();
      const body = JSON.stringify(PLACE('tamper-1'));
      const tampered = body.replace('"0.01"', '"0.02"');
      const signedFor = await signedRequest(server, ed, null, { body, sign: { body } });
      expect(signedFor.status).toBe(200);
      const res = await signedRequest(server, ed, null, { body: tampered, sign: { body, nonce: 'tamper-nonce-000000000001' } });
      await expectRejected(res, 'DIGEST_MISMATCH');
      expect(await ordersOf()).toBe(before + 1);
    });

    test('a body with a recomputed digest under an old signature is SIGNATURE_INVALID', async () => {
      const body = JSON.stringify(PLACE('old-sig'));
      const original = await signedRequest(server, ed, null, { body, sign: { nonce: 'old-signature-nonce-0001' } });
      const forged = body.replace('"0.01"', '"0.05"');
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST', body: forged,
        headers: { 'content-type': 'application/json', 'content-digest': computeContentDigest(nodeCrypto, forged), 'signature-input': original.signed.headers['signature-input'], signature: original.signed.headers.signature },
      });
      const json = await res.json();
      expect(res.status).toBe(401);
      expect(json.errors[0].extensions.reason).toBe('SIGNATURE_INVALID');
    });

    test('a replayed nonce is rejected (the identical request sent twice)', async () => {
      const first = await signedRequest(server, ed, ME, { sign: { nonce: 'replay-nonce-0000000000001' } });
      expect(first.status).toBe(200);
      const replay = await signedRequest(server, ed, ME, { sign: { nonce: 'replay-nonce-0000000000001' } });
      await expectRejected(replay, 'NONCE_REUSED');
    });

    test('of 20 concurrent identical requests exactly one executes', async () => {
      const body = JSON.stringify(PLACE('concurrent-1'));
      const signed = signRequest(nodeCrypto, { method: 'POST', authority: server.authority, path: '/graphql', body, keyId: ed.keyId, algorithm: 'ed25519', privateKey: ed.privateKey });
      const before = await ordersOf();
      const results = await Promise.all(Array.from({ length: 20 }, () => fetch(`${server.url}/graphql`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...signed.headers } }).then((r) => r.status)));
      expect(results.filter((s) => s === 200)).toHaveLength(1);
      expect(results.filter((s) => s === 401)).toHaveLength(19);
      expect(await ordersOf()).toBe(before + 1);
    });

    test('created 31 s ago is SIGNATURE_EXPIRED (and the Date header lets the client correct its clock)', async () => {
      await expectRejected(await signedRequest(server, ed, ME, { sign: { created: nowSeconds() - 31 } }), 'SIGNATURE_EXPIRED');
    });

    test('created 10 s in the future is SIGNATURE_EXPIRED', async () => {
      await expectRejected(await signedRequest(server, ed, ME, { sign: { created: nowSeconds() + 10 } }), 'SIGNATURE_EXPIRED');
    });

    test('an expires in the past is SIGNATURE_EXPIRED', async () => {
      await expectRejected(await signedRequest(server, ed, ME, { sign: { created: nowSeconds() - 5, expires: nowSeconds() - 1 } }), 'SIGNATURE_EXPIRED');
    });

    test('an unknown key and a revoked key answer exactly like a bad signature', async () => {
      const unknown = await signedRequest(server, { ...ed, keyId: 'key_000000000000000000000000' }, ME);
      await expectRejected(unknown, 'SIGNATURE_INVALID');
      const doomed = await createTestKey(services, accountId, 'ed25519');
      expect((await signedRequest(server, doomed, ME)).status).toBe(200);
      await services.apiKeys.revokeApiKey(accountId, doomed.keyId);
      const revoked = await signedRequest(server, doomed, ME);
      await expectRejected(revoked, 'SIGNATURE_INVALID');
      const bad = await signedRequest(server, ed, ME, { sign: { privateKey: doomed.privateKey } });
      await expectRejected(bad, 'SIGNATURE_INVALID');
      expect(revoked.json.errors[0].message).toBe(bad.json.errors[0].message);
      expect(unknown.json.errors[0].message).toBe(bad.json.errors[0].message);
    });

    test('a key in use is refused on the very next request once revokeApiKey answered, also when the revocation commits with the @idempotent record', async () => {
      const REVOKE = (id: string) => ({ query: 'mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { revokedAt } userErrors { code } } }', variables: { id } });
      for (const idempotencyKey of [undefined, `revoke-${Date.now()}`]) {
        const doomed = await createTestKey(services, accountId, 'ed25519');
        for (let i = 0; i < 3; i += 1) expect((await signedRequest(server, doomed, ME)).status).toBe(200);
        const revoked = await signedRequest(server, ed, REVOKE(doomed.keyId), idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {});
        expect(revoked.json.data.revokeApiKey).toEqual({ apiKey: { revokedAt: expect.any(String) }, userErrors: [] });
        await expectRejected(await signedRequest(server, doomed, ME), 'SIGNATURE_INVALID');
      }
    });

    test('an alg parameter that disagrees with the key is rejected (no algorithm confusion)', async () => {
      await expectRejected(await signedRequest(server, ed, ME, { sign: { alg: 'hmac-sha256' } }), 'SIGNATURE_INVALID');
      await expectRejected(await signedRequest(server, hmac, ME, { sign: { alg: 'ed25519' } }), 'SIGNATURE_INVALID');
      expect((await signedRequest(server, ed, ME, { sign: { alg: 'ed25519' } })).status).toBe(200);
    });

    test('a signature made for another path or another authority does not verify', async () => {
      await expectRejected(await signedRequest(server, ed, ME, { sign: { path: '/graphql/other' } }), 'SIGNATURE_INVALID');
      await expectRejected(await signedRequest(server, ed, ME, { sign: { authority: 'evil.example.com' } }), 'SIGNATURE_INVALID');
      await expectRejected(await signedRequest(server, ed, ME, { sign: { method: 'PUT' } }), 'SIGNATURE_INVALID');
    });

    test('a covered set without content-digest, without a nonce, or empty is MALFORMED_SIGNATURE', async () => {
      await expectRejected(await signedRequest(server, ed, ME, { sign: { components: ['@method', '@authority', '@path'] } }), 'MALFORMED_SIGNATURE');
      await expectRejected(await signedRequest(server, ed, ME, { sign: { nonce: null } }), 'MALFORMED_SIGNATURE');
      await expectRejected(await signedRequest(server, ed, ME, { sign: { components: [] } }), 'MALFORMED_SIGNATURE');
    });

    test('a query string must be covered by @query', async () => {
      const res = await signedRequest(server, ed, ME, { path: '/graphql?x=1', sign: { path: '/graphql' } });
      await expectRejected(res, 'MALFORMED_SIGNATURE');
    });

    test('a MALFORMED_SIGNATURE answer says what is malformed (the message used to be the same for a dozen causes)', async () => {
      const uncovered = await signedRequest(server, ed, ME, { path: '/graphql?x=1', sign: { path: '/graphql' } });
      expect(uncovered.json.errors[0].message).toBe('The signature headers are malformed: the signature must cover "@method" "@authority" "@path" "content-digest" "@query", or "@method" "@target-uri" "content-digest"; it does not cover "@query".');
      const shortNonce = await signedRequest(server, ed, ME, { sign: { nonce: 'n'.repeat(15) } });
      expect([shortNonce.status, shortNonce.json.errors[0].extensions.reason, shortNonce.json.errors[0].message]).toEqual([401, 'MALFORMED_SIGNATURE', 'The signature headers are malformed: the nonce must be 16-64 characters of A-Za-z0-9._~+/=-.']);
    });

    test('duplicate Signature-Input headers are rejected deterministically', async () => {
      const body = JSON.stringify(ME);
      const a = await signedRequest(server, ed, ME, { sign: { nonce: 'dup-header-nonce-0000001' } });
      const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const url = new URL(`${server.url}/graphql`);
        const req = httpRequest({ host: url.hostname, port: url.port, path: '/graphql', method: 'POST' }, (res) => {
          let data = '';
          res.on('data', (c) => (data += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
        });
        req.on('error', reject);
        req.setHeader('content-type', 'application/json');
        req.setHeader('content-digest', a.signed.headers['content-digest']);
        req.setHeader('signature-input', [a.signed.headers['signature-input'], a.signed.headers['signature-input'].replace('sig1', 'sig2')]);
        req.setHeader('signature', a.signed.headers.signature);
        req.end(body);
      });
      expect(status.status).toBe(401);
      expect(JSON.parse(status.body).errors[0].extensions.reason).toBe('MALFORMED_SIGNATURE');
    });

    test('oversize signature headers and over-long nonces are refused before any key lookup', async () => {
      const lookups = jest.spyOn(services.apiKeys, 'loadVerificationMaterial');
      try {
        await expectRejected(await signedRequest(server, ed, ME, { sign: { tag: 'x'.repeat(4200) } }), 'MALFORMED_SIGNATURE');
        await expectRejected(await signedRequest(server, ed, ME, { sign: { nonce: 'n'.repeat(65) } }), 'MALFORMED_SIGNATURE');
        expect(lookups).not.toHaveBeenCalled();
      } finally {
        lookups.mockRestore();
      }
    });

    test('non-base64 and wrong-length signatures are rejected', async () => {
      const base = await signedRequest(server, ed, ME, { sign: { nonce: 'base-nonce-for-forgery-01' } });
      const send = (signature: string) => fetch(`${server.url}/graphql`, { method: 'POST', body: JSON.stringify(ME), headers: { 'content-type': 'application/json', 'content-digest': base.signed.headers['content-digest'], 'signature-input': base.signed.headers['signature-input'], signature } });
      for (const signature of ['sig1=:not base64!:', 'sig1=:AAAA:', `sig1=:${Buffer.alloc(63).toString('base64')}:`, 'sig1=abc']) {
        const res = await send(signature);
        expect(res.status).toBe(401);
        expect(['MALFORMED_SIGNATURE', 'SIGNATURE_INVALID']).toContain((await res.json()).errors[0].extensions.reason);
      }
    });

    test('a Content-Digest with only a deprecated algorithm is rejected', async () => {
      const res = await signedRequest(server, ed, ME, { sign: { headers: { 'content-digest': 'md5=:AAAAAAAAAAAAAAAAAAAAAA==:' } }, headers: { 'content-digest': 'md5=:AAAAAAAAAAAAAAAAAAAAAA==:' } });
      await expectRejected(res, 'DIGEST_MISMATCH');
    });

    test('unsigned requests still get public fields; signed-only fields are null with UNAUTHENTICATED', async () => {
      const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ serverTime me { id } }' }) });
      const json = await res.json();
      expect(res.status).toBe(200);
      expect(json.data).toEqual({ serverTime: expect.any(String), me: null });
      expect(json.errors).toEqual([expect.objectContaining({ path: ['me'], extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
    });

    test('a key without the required scope gets FORBIDDEN naming the missing scope, and nothing runs', async () => {
      const reader = await createTestKey(services, accountId, 'ed25519', ['READ']);
      const before = await ordersOf();
      const res = await signedRequest(server, reader, { query: '{ me { id } serverTime }' });
      expect(res.json.data.me.id).toBe(accountId);
      const trade = await signedRequest(server, reader, PLACE('forbidden-1'));
      expect(trade.json.data.placeOrder).toBeNull();
      expect(trade.json.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', missingScopes: ['TRADE'] });
      expect(trade.json.errors[0].message).toContain('TRADE');
      expect(await ordersOf()).toBe(before);
    });

    test('none of the rejections produced a 500, and security events were logged without secrets and counted', async () => {
      const lines = log.lines();
      expect(lines.some((l) => (l.res as { statusCode?: number } | undefined)?.statusCode === 500)).toBe(false);
      const events = lines.filter((l) => l.event === 'signature_rejected');
      expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(['NONCE_REUSED', 'DIGEST_MISMATCH', 'SIGNATURE_EXPIRED', 'MALFORMED_SIGNATURE', 'SIGNATURE_INVALID']));
      // Each line carries its request's id in the field every request line uses (a log pipeline joins on it).
      expect(events.filter((e) => typeof e.reqId !== 'string' || e.reqId === '')).toEqual([]);
      expect(events.filter((e) => 'requestId' in e)).toEqual([]);
      const text = log.text();
      expect(text).not.toContain(hmac.secret!.toString('base64'));
      expect(text).not.toMatch(/sig1=:/);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/signet_signature_checks_total\{outcome="NONCE_REUSED"\} [1-9]/);
      expect(metrics).toMatch(/signet_signature_checks_total\{outcome="verified"\} [1-9]/);
    });
  });
}
