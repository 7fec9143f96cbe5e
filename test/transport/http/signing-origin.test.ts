/**
 * What a client signs as the origin (`@scheme`, `@authority`, `@target-uri`), and what a 401 tells
 * it: the configured scheme is the one verified, every configured name of the server works, a
 * signature for another name is refused with the name to use, and each 401 carries the challenge.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { createSigner, httpbis } from 'http-message-signatures';
import type { DomainServices } from '../../../src/domain';
import { signRequest } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import * as sf from 'structured-headers';
import type { TestDatabase } from '../../helpers/database';
import { createTestKey, memoryStores, openSigningAccount, signedRequest, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';


const ME = JSON.stringify({ query: '{ me { id } }' });

/**
 * POSTs `body` with exactly these headers (Host included, which fetch does not let a caller set).
 * `target` is the request target sent on the request line: `/graphql`, or an absolute form.
 */
function post(url: string, headers: Record<string, string>, body: string, target = '/graphql'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: any }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = httpRequest({ hostname, port, path: target, method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Signs with the independent http-message-signatures library, covering `fields`, for `url` as the client sees it. */
async function signedByLibrary(key: TestKey, url: string, fields: string[], method = 'POST', body = ME): Promise<Record<string, string>> {
  const digest = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
  const signed = await httpbis.signMessage(
    { key: createSigner(key.privateKey!, 'ed25519', key.keyId), name: 'sig1', fields, params: ['created', 'nonce', 'keyid'], paramValues: { nonce: randomBytes(18).toString('base64url') } },
    { method, url, headers: { 'content-digest': digest } },
  );
  return signed.headers as Record<string, string>;
}

/** GETs `target` with exactly these headers (Host included), no body. */
function get(url: string, headers: Record<string, string>, target: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = httpRequest({ hostname, port, path: target, method: 'GET', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the signed origin', () => {
  let db: TestDatabase;
  let services: DomainServices;
  let key: TestKey;
  let accountId: string;
  beforeAll(async () => {
    ({ db, services, key, accountId } = await openSigningAccount({ USD: '10' }, 'origin'));
  });
  afterAll(async () => db?.close());

  describe.each(['http', 'https'] as const)('with SIGNET_PUBLIC_URL=%s://api.signet.test', (scheme) => {
    let server: RunningSignet;
    beforeAll(async () => {
      server = await startSignet(services, memoryStores(), { publicUrl: { scheme, authority: 'api.signet.test' } });
    });
    afterAll(async () => server?.close());
    const other = scheme === 'http' ? 'https' : 'http';

    test.each([['@target-uri'], ['@scheme']])(`a signature covering %s for ${scheme} verifies, one for ${other} does not`, async (component) => {
      const fields = ['@method', '@authority', '@path', 'content-digest', component];
      const good = await post(server.url, { host: 'api.signet.test', ...(await signedByLibrary(key, `${scheme}://api.signet.test/graphql`, fields)) }, ME);
      expect(good.status).toBe(200);
      expect(good.json.data.me.id).toBe(accountId);
      const wrong = await post(server.url, { host: 'api.signet.test', ...(await signedByLibrary(key, `${other}://api.signet.test/graphql`, fields)) }, ME);
      expect(wrong.status).toBe(401);
      expect(wrong.json.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SIGNATURE_INVALID' });
    });
  });

  describe('a server reached directly (no public URL)', () => {
    let server: RunningSignet;
    let port: number;
    beforeAll(async () => {
      server = await startSignet(services, memoryStores(), { publicAuthorities: ['signet.internal:8443', 'signet.internal'] });
      port = Number(new URL(server.url).port);
    });
    afterAll(async () => server?.close());
    const sign = (authority: string) => signRequest(nodeCrypto, { method: 'POST', authority, path: '/graphql', body: ME, keyId: key.keyId, algorithm: 'ed25519', privateKey: key.privateKey }).headers;

    test('accepts a signature for each of its names: the listen address, localhost, 127.0.0.1 and configured ones', async () => {
      for (const name of [`127.0.0.1:${port}`, `localhost:${port}`, 'signet.internal:8443']) {
        const res = await post(server.url, { host: name, ...sign(name) }, ME);
        expect([name, res.status]).toEqual([name, 200]);
      }
    });

    test('plain http is the scheme of a server reached directly', async () => {
      const fields = ['@method', '@authority', '@path', 'content-digest', '@target-uri'];
      const res = await post(server.url, await signedByLibrary(key, `http://127.0.0.1:${port}/graphql`, fields), ME);
      expect(res.status).toBe(200);
    });

    describe('a signature covering "@method" "@target-uri" "content-digest" (RFC 9421 §2.2.2: @target-uri binds authority, path and query)', () => {
      const BY_TARGET_URI = ['@method', '@target-uri', 'content-digest'];
      const meQuery = (fields: string) => `/graphql?query=${encodeURIComponent(`{ me { ${fields} } }`)}`;

      test('verifies a POST', async () => {
        const res = await post(server.url, await signedByLibrary(key, `http://127.0.0.1:${port}/graphql`, BY_TARGET_URI), ME);
        expect(res.status).toBe(200);
        expect(res.json.data.me.id).toBe(accountId);
      });

      test('verifies a GET with a query, without "@query"', async () => {
        const target = meQuery('id');
        const res = await get(server.url, await signedByLibrary(key, `http://127.0.0.1:${port}${target}`, BY_TARGET_URI, 'GET', ''), target);
        expect(res.status).toBe(200);
        expect(res.json.data.me.id).toBe(accountId);
      });

      test.each([
        // Signed for one of the server's names, sent with Host naming another: @authority is Host's.
        ['another authority', meQuery('id'), 'signet.internal:8443', meQuery('id')],
        ['another path', meQuery('id').replace('/graphql', '/%67raphql'), null, meQuery('id')],
        ['another query', meQuery('id'), null, meQuery('id createdAt')],
      ])('refuses one whose @target-uri differs from the request\'s (%s) as SIGNATURE_INVALID', async (_case, sent, signedAuthority, signedTarget) => {
        const headers = await signedByLibrary(key, `http://${signedAuthority ?? `127.0.0.1:${port}`}${signedTarget}`, BY_TARGET_URI, 'GET', '');
        const res = await get(server.url, headers, sent);
        expect(res.status).toBe(401);
        expect(res.json.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SIGNATURE_INVALID' });
      });
    });

    test('a signed GET covers the Content-Digest of the empty body that README "Signing requests" gives', async () => {
      const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
      const given = /^\| body \|.*?A signed GET.*?`Content-Digest: ([^`]+)`/m.exec(readme)?.[1];
      expect(given).toBe(`sha-256=:${createHash('sha256').update('').digest('base64')}:`);
      const target = `/graphql?query=${encodeURIComponent('{ me { id } }')}`;
      const headers = await signedByLibrary(key, `http://127.0.0.1:${port}${target}`, ['@method', '@authority', '@path', '@query', 'content-digest'], 'GET', '');
      expect(headers['content-digest']).toBe(given);
      const res = await get(server.url, headers, target);
      expect([res.status, res.json.data?.me.id]).toEqual([200, accountId]);
    });

    test('a signature made for a name the server does not have is refused, naming the expected authority', async () => {
      const res = await post(server.url, { host: 'evil.example:80', ...sign('evil.example:80') }, ME);
      expect(res.status).toBe(401);
      expect(res.json.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SIGNATURE_INVALID', expectedAuthority: `127.0.0.1:${port}` });
      expect(res.json.errors[0].message).toContain(`"127.0.0.1:${port}"`);
      // A proxy that rewrites Host (nginx's $host drops the port) is the usual cause (proxy review).
      expect(res.json.errors[0].message).toContain('behind a proxy: is it forwarding the client\'s Host, port included?');
      expect(res.json.errors[0].message).not.toContain('evil.example');
    });

    test('a Host with the default port is the name without it (RFC 9421 §2.2.3)', async () => {
      const res = await post(server.url, { host: 'Signet.Internal:80', ...sign('signet.internal') }, ME);
      expect(res.status).toBe(200);
      expect(res.json.data.me.id).toBe(accountId);
      // The same name with a bad signature is one of the server's: no other name is suggested.
      const stranger = await createTestKey(services, accountId);
      const headers = signRequest(nodeCrypto, { method: 'POST', authority: 'signet.internal', path: '/graphql', body: ME, keyId: key.keyId, algorithm: 'ed25519', privateKey: stranger.privateKey }).headers;
      const refused = await post(server.url, { host: 'signet.internal:80', ...headers }, ME);
      expect(refused.status).toBe(401);
      expect(refused.json.errors[0].extensions).toMatchObject({ reason: 'SIGNATURE_INVALID' });
      expect(refused.json.errors[0].extensions.expectedAuthority).toBeUndefined();
    });

    describe('a request target in absolute form (RFC 9112 §3.2.2)', () => {
      const signFor = (authority: string, path: string) =>
        signRequest(nodeCrypto, { method: 'POST', authority, path, body: ME, keyId: key.keyId, algorithm: 'ed25519', privateKey: key.privateKey }).headers;

      test('@path is the path part, percent-encoding as sent', async () => {
        for (const path of ['/graphql', '/%67raphql']) {
          const res = await post(server.url, { host: `127.0.0.1:${port}`, ...signFor(`127.0.0.1:${port}`, path) }, ME, `http://127.0.0.1:${port}${path}`);
          expect([path, res.status, res.json.data?.me.id]).toEqual([path, 200, accountId]);
        }
      });

      test("@authority is the target's authority, not Host", async () => {
        const res = await post(server.url, { host: 'evil.example', ...signFor(`localhost:${port}`, '/graphql') }, ME, `http://LOCALHOST:${port}/graphql`);
        expect(res.status).toBe(200);
        // Host names the server, the target another: the target's authority wins, and it is not a name of this server.
        const refused = await post(server.url, { host: `localhost:${port}`, ...signFor(`localhost:${port}`, '/graphql') }, ME, 'http://evil.example/graphql');
        expect(refused.status).toBe(401);
        expect(refused.json.errors[0].extensions).toMatchObject({ reason: 'SIGNATURE_INVALID', expectedAuthority: `127.0.0.1:${port}` });
      });
    });

    test('a signature that fails on one of its own names says only that it does not verify', async () => {
      const stranger = await createTestKey(services, accountId);
      const headers = signRequest(nodeCrypto, { method: 'POST', authority: `localhost:${port}`, path: '/graphql', body: ME, keyId: key.keyId, algorithm: 'ed25519', privateKey: stranger.privateKey }).headers;
      const res = await post(server.url, { host: `localhost:${port}`, ...headers }, ME);
      expect(res.status).toBe(401);
      expect(res.json.errors[0].extensions.expectedAuthority).toBeUndefined();
    });
  });

  describe('every 401 says how to authenticate', () => {
    let server: RunningSignet;
    beforeAll(async () => {
      server = await startSignet(services, memoryStores());
    });
    afterAll(async () => server?.close());

    const expectChallenge = (headers: Headers, components: string[], reason: string) => {
      // The reason as the body's extensions.reason: a client whose library hides a 401's body reads it here.
      expect(headers.get('www-authenticate')).toBe(`Signature realm="signet", error="${reason}"`);
      const accepted = sf.parseDictionary(headers.get('accept-signature') as string);
      const [items, params] = accepted.get('sig1') as [Array<[string, Map<string, unknown>]>, Map<string, unknown>];
      expect(items.map(([name]) => name)).toEqual(components);
      // RFC 9421 §5.1: a bare `created` asks for one; `nonce` or `keyid` would name the value to use.
      expect([...params.entries()]).toEqual([['created', true]]);
    };
    const REQUIRED = ['@method', '@authority', '@path', 'content-digest'];

    test('a signature refused before GraphQL', async () => {
      const res = await signedRequest(server, key, JSON.parse(ME), { sign: { nonce: 'short' } });
      expect(res.status).toBe(401);
      expectChallenge(res.headers, REQUIRED, 'MALFORMED_SIGNATURE');
    });

    test('a replayed nonce, refused in the admission', async () => {
      const first = await signedRequest(server, key, JSON.parse(ME));
      const replay = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...first.signed.headers }, body: ME });
      expect(replay.status).toBe(401);
      expectChallenge(replay.headers, REQUIRED, 'NONCE_REUSED');
    });

    test('a request with an Idempotency-Key its signature does not cover is told to cover idempotency-key', async () => {
      const res = await signedRequest(server, key, JSON.parse(ME), { headers: { 'idempotency-key': 'challenge-1' }, sign: { components: REQUIRED } });
      expect(res.status).toBe(401);
      expect(res.json.errors[0].extensions.reason).toBe('IDEMPOTENCY_KEY_NOT_COVERED');
      expectChallenge(res.headers, [...REQUIRED, 'idempotency-key'], 'IDEMPOTENCY_KEY_NOT_COVERED');
    });

    test('a replayed nonce with an Idempotency-Key, refused in the admission, is told the same', async () => {
      const first = await signedRequest(server, key, JSON.parse(ME), { headers: { 'idempotency-key': 'challenge-2' } });
      expect(first.status).toBe(200);
      const replay = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...first.signed.headers, 'idempotency-key': 'challenge-2' }, body: ME });
      expect(replay.status).toBe(401);
      expectChallenge(replay.headers, [...REQUIRED, 'idempotency-key'], 'NONCE_REUSED');
    });

    test('a Content-Digest refused is answered with the digests that count (Want-Content-Digest, RFC 9530 §4)', async () => {
      // sha-384 and unixsum are not ours: nothing binds the body.
      for (const digest of [`sha-384=:${Buffer.alloc(48).toString('base64')}:`, 'unixsum=10', `sha-256=:${Buffer.alloc(32).toString('base64')}:`]) {
        const res = await signedRequest(server, key, JSON.parse(ME), { sign: { headers: { 'content-digest': digest } }, headers: { 'content-digest': digest } });
        expect([digest, res.status, res.json.errors[0].extensions.reason]).toEqual([digest, 401, 'DIGEST_MISMATCH']);
        const wanted = sf.parseDictionary(res.headers.get('want-content-digest') as string);
        expect([...wanted.entries()].map(([name, [value]]) => [name, value])).toEqual([['sha-256', 10], ['sha-512', 5]]);
        expectChallenge(res.headers, REQUIRED, 'DIGEST_MISMATCH');
      }
      // Other refusals do not carry it.
      const other = await signedRequest(server, key, JSON.parse(ME), { sign: { nonce: 'short' } });
      expect(other.headers.get('want-content-digest')).toBeNull();
    });

    test('a signed GET query is told to cover @query too', async () => {
      const path = `/graphql?query=${encodeURIComponent('{ me { id } }')}`;
      const res = await signedRequest(server, key, undefined, { method: 'GET', path, body: '', sign: { nonce: 'short' } });
      expect(res.status).toBe(401);
      expectChallenge(res.headers, [...REQUIRED, '@query'], 'MALFORMED_SIGNATURE');
    });
  });
});
