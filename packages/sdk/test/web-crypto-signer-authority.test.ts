/**
 * The `@authority` the SDK signs is the one the server checks: the URL's host without its scheme's
 * default port. `http://host:443` is not https, so `:443` stays in it (the server, speaking http,
 * keeps it), while `https://host:443` is `host`.
 */
import { createSignetClient, importSigningKey, MeDocument, signRequestWebCrypto } from '@signet/sdk';
import { answer, ed25519Key, hmacKey, scriptedFetch, verifyCalls, type RecordedCall } from './helpers';

const NOW = Date.UTC(2030, 0, 1);

/** `url` signed as the SDK signs it, recorded as the request `fetch` would send. */
async function signedCall(url: string, key: ReturnType<typeof hmacKey>): Promise<RecordedCall & { signatureBase: string }> {
  const body = '{"query":"{ me { id } }"}';
  const signed = await signRequestWebCrypto({
    method: 'POST', url, body, keyId: key.keyId, alg: 'hmac-sha256', key: await importSigningKey({ alg: 'hmac-sha256', secret: key.secretBase64 }), created: NOW / 1000,
  });
  return { url, method: 'POST', headers: { 'content-type': 'application/json', ...signed.headers }, body, rawBody: new TextEncoder().encode(body), signatureBase: signed.signatureBase };
}

describe('the @authority the SDK signs', () => {
  test.each([
    ['http://127.0.0.1:443/graphql', '127.0.0.1:443'],
    ['http://localhost:4000/graphql', 'localhost:4000'],
    ['https://api.signet.test/graphql', 'api.signet.test'],
    ['https://api.signet.test:443/graphql', 'api.signet.test'],
    ['https://api.signet.test:80/graphql', 'api.signet.test:80'],
  ])('a request to %s is signed for %s and verifies at that server', async (url, authority) => {
    const key = hmacKey();
    const call = await signedCall(url, key);
    expect(call.signatureBase.split('\n')).toContain(`"@authority": ${authority}`);
    const [verdict] = await verifyCalls([call], { keyId: key.keyId, accountId: 'a', scopes: ['READ'], algorithm: 'hmac-sha256', secret: key.secret }, () => NOW);
    expect(verdict).toMatchObject({ status: 'verified' });
  });

  test('the client\'s requests to a plain-http server on port 443 verify there', async () => {
    const key = ed25519Key();
    const { fetch, calls } = scriptedFetch(answer({ data: { me: { id: 'a' } } }));
    const sdk = createSignetClient({ url: 'http://127.0.0.1:443', keyId: key.keyId, privateKey: key.privateKeyBase64, fetch, clock: () => NOW });
    await sdk.request(MeDocument, {});
    expect(calls).toHaveLength(1);
    const [verdict] = await verifyCalls(calls, { keyId: key.keyId, accountId: 'a', scopes: ['READ'], algorithm: 'ed25519', publicKey: key.publicKey }, () => NOW);
    expect(verdict).toMatchObject({ status: 'verified' });
  });
});
