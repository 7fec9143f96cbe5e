import { generateKeyPairSync } from 'node:crypto';
import type { DirectiveDeps } from '../../../src/directives';
import type { DomainServices } from '../../../src/domain';
import type { ClientAddressOptions } from '../../../src/transport/http/client-address';
import { createSignetServer } from '../../../src/transport/http/create-signet-server';
import { createMetrics } from '../../../src/metrics';
import type { SecurityStores } from '../../../src/transport/security-stores';
import { signRequest } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { directiveDepsFor } from '../../helpers/directives';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { silentLogger } from '../../helpers/logger';
import { createTestKey, type TestKey } from '../../helpers/signet-server';

const AUTHORITY = 'api.example.com';
const SERVER_TIME = JSON.stringify({ query: '{ serverTime }' });
const ONE_HOP: ClientAddressOptions = { trustProxy: { kind: 'hops', hops: 1 }, ipv6LimitPrefix: 64 };
/** The proxy is 127.0.0.1 (the test's own TCP peer address) or in 10.0.0.0/8. */
const PROXY_LIST: ClientAddressOptions = { trustProxy: { kind: 'ranges', ranges: ['127.0.0.1', '10.0.0.0/8'] }, ipv6LimitPrefix: 64 };

/** Options of one server under test: limits, and the loopback spelling it listens on. */
interface Build { perIp?: number; authFailuresPerIp?: number; directives?: Partial<DirectiveDeps>; host?: string; stores?: SecurityStores }

/** One request as the proxy on 127.0.0.1 forwards it: `xff` is the X-Forwarded-For it sends. */
interface Forwarded { xff?: string; headers?: Record<string, string>; body?: string }

/** A response's status and parsed body. */
interface Answer { status: number; json: any; text: string }

/**
 * Who the client is behind a proxy, through the whole HTTP stack listening on loopback (the test
 * plays the proxy on 127.0.0.1): the per-IP limit, the failed-signature guard, a signed request's admission
 * and GraphQL's field limits all count against the canonical client, never a spoofed entry.
 */
export function defineClientAddressSuite(name: string, openStores: () => Promise<{ stores: SecurityStores; close(): Promise<void> }>): void {
  describe(`the client address behind a proxy (${name})`, () => {
    let db: TestDatabase;
    let services: DomainServices;
    let key: TestKey;
    const cleanups: Array<() => Promise<void>> = [];

    beforeAll(async () => {
      db = await openPgliteDatabase();
      services = servicesFor(db.driver);
      key = await createTestKey(services, await fundedAccount(services, { USD: '1000' }, 'proxied'), 'ed25519');
    });
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });
    afterAll(async () => db?.close());

    /** A listening server; `options.stores` shares another server's stores (two instances, one Redis). */
    async function build(clientAddress: ClientAddressOptions, options: Build = {}): Promise<{ url: string; stores: SecurityStores }> {
      const opened = options.stores ? { stores: options.stores, close: async () => undefined } : await openStores();
      const metrics = createMetrics();
      const server = await createSignetServer({
        services, security: opened.stores, directives: directiveDepsFor(services, { security: opened.stores, metrics, ...options.directives }),
        logger: silentLogger, metrics, readiness: [], introspection: false, development: false, publicUrl: { scheme: 'https', authority: AUTHORITY }, publicAuthorities: [], signatureMaxAgeSeconds: 30,
        clientAddress,
        requestLimits: { perIp: { max: options.perIp ?? 1000, windowMs: 60_000 }, perAccount: { max: 1000, windowMs: 60_000 } },
        authFailureLimits: { perIp: { max: options.authFailuresPerIp ?? 1000, windowMs: 60_000 } },
      });
      cleanups.push(async () => {
        await server.close();
        await opened.close();
      });
      const address = await server.app.listen({ host: options.host ?? '127.0.0.1', port: 0 });
      return { url: address, stores: opened.stores };
    }

    const post = async (server: { url: string }, request: Forwarded = {}): Promise<Answer> => {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST', body: request.body ?? SERVER_TIME,
        headers: { 'content-type': 'application/json', ...(request.xff === undefined ? {} : { 'x-forwarded-for': request.xff }), ...request.headers },
      });
      const text = await res.text();
      let json: any;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text };
    };
    const statuses = async (server: { url: string }, requests: Forwarded[]): Promise<number[]> => {
      const out: number[] = [];
      for (const request of requests) out.push((await post(server, request)).status);
      return out;
    };
    /** A signature over `body` by a key the server does not hold for this key id: a guessing failure. */
    const forgedHeaders = (body: string): Record<string, string> => ({ ...signRequest(nodeCrypto, {
      method: 'POST', authority: AUTHORITY, path: '/graphql', body, keyId: key.keyId, algorithm: 'ed25519',
      privateKey: generateKeyPairSync('ed25519').privateKey,
    }).headers });
    const signedHeaders = (body: string): Record<string, string> => ({ ...signRequest(nodeCrypto, {
      method: 'POST', authority: AUTHORITY, path: '/graphql', body, keyId: key.keyId, algorithm: 'ed25519', privateKey: key.privateKey,
    }).headers });

    describe.each([
      ['one trusted hop', ONE_HOP],
      ['a trusted proxy list', PROXY_LIST],
    ])('with %s', (_rule, rule) => {
      test('rotating the left-most X-Forwarded-For entry does not change the limit subject', async () => {
        const app = await build(rule, { perIp: 3 });
        const spoofs = ['6.6.6.1', '6.6.6.2', '6.6.6.3', '6.6.6.4'].map((spoof) => ({ xff: `${spoof}, 203.0.113.7` }));
        expect(await statuses(app, spoofs)).toEqual([200, 200, 200, 429]);
        // Another client behind the same proxy has a budget of its own.
        expect((await post(app, { xff: '6.6.6.1, 198.51.100.9' })).status).toBe(200);
      });

      test('a victim\'s address written by the attacker cannot be framed into the per-IP limit', async () => {
        const app = await build(rule, { perIp: 2 });
        const victim = '198.51.100.1';
        const attack = Array.from({ length: 4 }, () => ({ xff: `${victim}, 203.0.113.66` }));
        expect(await statuses(app, attack)).toEqual([200, 200, 429, 429]);
        // The victim's own request, as the proxy forwards it.
        expect((await post(app, { xff: victim })).status).toBe(200);
      });
    });

    test('a trusted proxy list skips every trusted hop: the client is the right-most untrusted entry', async () => {
      const app = await build(PROXY_LIST, { perIp: 2 });
      // client → edge proxy 10.0.0.5 → (inner proxy 10.9.9.9 →) the proxy on 127.0.0.1 → Signet.
      const requests = [{ xff: '6.6.6.1, 203.0.113.7, 10.0.0.5' }, { xff: '6.6.6.2, 203.0.113.7, 10.0.0.5, 10.9.9.9' }, { xff: '203.0.113.7' }];
      expect(await statuses(app, requests)).toEqual([200, 200, 429]);
    });

    test('a peer that is not a trusted proxy is the client, whatever X-Forwarded-For it sends', async () => {
      // Only 10.0.0.0/8 is trusted: the test's peer 127.0.0.1 is a direct client.
      const app = await build({ trustProxy: { kind: 'ranges', ranges: ['10.0.0.0/8'] }, ipv6LimitPrefix: 64 }, { perIp: 2 });
      expect(await statuses(app, ['1.1.1.1', '2.2.2.2', '10.0.0.1, 3.3.3.3'].map((xff) => ({ xff })))).toEqual([200, 200, 429]);
    });

    test('without a trust rule X-Forwarded-For is ignored', async () => {
      const app = await build({ trustProxy: { kind: 'none' }, ipv6LimitPrefix: 64 }, { perIp: 2 });
      expect(await statuses(app, [{ xff: '1.1.1.1' }, { xff: '2.2.2.2' }, { xff: '3.3.3.3' }])).toEqual([200, 200, 429]);
    });

    test('a string that is not an address is never a client: the request is refused with 400', async () => {
      const app = await build({ trustProxy: { kind: 'hops', hops: 2 }, ipv6LimitPrefix: 64 }, { perIp: 1000 });
      for (const junk of ['not-an-ip', 'unknown', '1.2.3.4:5678', '010.0.0.1', '<script>']) {
        const res = await post(app, { xff: `${junk}, 203.0.113.7` });
        expect(res.status).toBe(400);
        expect(res.json.errors[0].extensions).toMatchObject({ code: 'BAD_REQUEST', retryable: false });
        expect(res.text).not.toContain(junk);
      }
      // Junk to the left of the trusted hops is never read.
      expect((await post(app, { xff: 'not-an-ip, 198.51.100.3, 203.0.113.7' })).status).toBe(200);
    });

    test('five spellings of one IPv4 address are one client', async () => {
      const app = await build(ONE_HOP, { perIp: 5 });
      const spellings = ['1.2.3.4', '::ffff:1.2.3.4', '::ffff:0102:0304', '0:0:0:0:0:ffff:102:304', '::FFFF:1.2.3.4', '1.2.3.4'];
      expect(await statuses(app, spellings.map((xff) => ({ xff })))).toEqual([200, 200, 200, 200, 200, 429]);
    });

    test('a TCP peer seen as ::ffff:127.0.0.1 on a dual-stack socket is the client 127.0.0.1', async () => {
      const none: ClientAddressOptions = { trustProxy: { kind: 'none' }, ipv6LimitPrefix: 64 };
      const v4 = await build(none, { perIp: 1 });
      // A second instance sharing the stores, listening on the IPv4-mapped spelling of loopback.
      const mapped = await build(none, { perIp: 1, host: '::ffff:127.0.0.1', stores: v4.stores });
      expect(await statuses(v4, [{}])).toEqual([200]);
      expect(await statuses(mapped, [{}])).toEqual([429]);
    });

    test('two IPv6 addresses in one /64 share a budget; another /64 has its own', async () => {
      const app = await build(ONE_HOP, { perIp: 2 });
      expect(await statuses(app, [{ xff: '2001:db8:1:2::1' }, { xff: '2001:DB8:1:2:ffff::9' }, { xff: '2001:db8:1:2::abcd' }])).toEqual([200, 200, 429]);
      expect((await post(app, { xff: '2001:db8:1:3::1' })).status).toBe(200);
    });

    test('the IPv6 limit prefix is configurable', async () => {
      const app = await build({ ...ONE_HOP, ipv6LimitPrefix: 128 }, { perIp: 1 });
      expect(await statuses(app, [{ xff: '2001:db8:1:2::1' }, { xff: '2001:db8:1:2::2' }, { xff: '2001:db8:1:2::1' }])).toEqual([200, 200, 429]);
    });

    test('field limits of unsigned requests count against the canonical client', async () => {
      const app = await build(ONE_HOP, { directives: { rateLimitOverrides: { 'Query.serverTime': { max: 1, window: '1m' } } } });
      const first = await post(app, { xff: '6.6.6.1, ::ffff:203.0.113.8' });
      const second = await post(app, { xff: '6.6.6.2, 203.0.113.8' });
      expect(first.json.errors).toBeUndefined();
      expect(second.json.errors[0].extensions.code).toBe('RATE_LIMITED');
      expect((await post(app, { xff: '203.0.113.9' })).json.errors).toBeUndefined();
    });

    test('failed signatures count against the real client, not the spoofed entry', async () => {
      const app = await build(ONE_HOP, { authFailuresPerIp: 2 });
      const tries: number[] = [];
      for (const spoof of ['6.6.6.1', '6.6.6.2', '6.6.6.3']) {
        tries.push((await post(app, { xff: `${spoof}, 203.0.113.20`, headers: forgedHeaders(SERVER_TIME) })).status);
      }
      expect(tries).toEqual([401, 401, 429]);
      // Another client with a valid signature is not blocked by that client's failures.
      expect((await post(app, { xff: '203.0.113.21', headers: signedHeaders(SERVER_TIME) })).status).toBe(200);
    });

    test('a signed request spends the per-IP budget of its real client in its admission', async () => {
      const app = await build(ONE_HOP, { perIp: 2 });
      const codes: number[] = [];
      for (const spoof of ['6.6.6.1', '6.6.6.2', '6.6.6.3']) {
        codes.push((await post(app, { xff: `${spoof}, 2001:db8:7:7::${spoof.slice(-1)}`, headers: signedHeaders(SERVER_TIME) })).status);
      }
      expect(codes).toEqual([200, 200, 429]);
    });
  });
}
