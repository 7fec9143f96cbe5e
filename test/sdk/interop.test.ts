/**
 * The SDK's WebCrypto signer against an independent RFC 9421 implementation
 * (`http-message-signatures`, dev dependency): it verifies what the SDK signs, it builds the same
 * base, and a running Signet server accepts what it signs. That library reads the real clock,
 * so everything here is signed "now".
 */
import { createHash, randomBytes } from 'node:crypto';
import { createSigner, createVerifier, httpbis } from 'http-message-signatures';
import { importSigningKey, signRequestWebCrypto, type SignetAlgorithm } from '@signet/sdk';
import type { DomainServices } from '../../src/domain';
import { createTestKey, openEmbeddedSignet, type EmbeddedSignet, type RunningSignet } from '../helpers/signet-server';
import { ed25519Key, hmacKey, verifyCalls } from '../../packages/sdk/test/helpers';

const ed = ed25519Key();
const hmac = hmacKey();
const BODY = JSON.stringify({ query: 'mutation { placeOrder(input: {market: "BTC-USD", side: BUY, price: "1", quantity: "1"}) { order { id } } }' });
const URL_WITH_QUERY = 'https://api.signet.test/graphql?op=placeOrder';

async function sdkSigned(alg: SignetAlgorithm, url = URL_WITH_QUERY) {
  const key = alg === 'ed25519' ? await importSigningKey({ alg, privateKey: ed.privateKeyBase64 }) : await importSigningKey({ alg, secret: hmac.secretBase64 });
  return signRequestWebCrypto({ method: 'POST', url, body: BODY, keyId: alg === 'ed25519' ? ed.keyId : hmac.keyId, alg, key });
}

describe('the SDK signer and http-message-signatures', () => {
  const components = ['@method', '@authority', '@path', 'content-digest', '@query'];

  test.each(['ed25519', 'hmac-sha256'] as const)('its verifier accepts an SDK-signed %s request, and rejects it elsewhere', async (alg) => {
    const signed = await sdkSigned(alg);
    const verify = alg === 'ed25519' ? createVerifier(ed.publicKey, 'ed25519') : createVerifier(hmac.secret, 'hmac-sha256');
    const keyLookup = jest.fn(async () => ({ id: 'k', algs: [alg], verify }));
    const config = { keyLookup, requiredFields: components, requiredParams: ['created', 'nonce', 'keyid'] as const, maxAge: 30 };
    const message = { method: 'POST', url: URL_WITH_QUERY, headers: { 'content-type': 'application/json', ...signed.headers } };
    await expect(httpbis.verifyMessage({ ...config, requiredParams: [...config.requiredParams] }, message)).resolves.toBe(true);
    expect(keyLookup).toHaveBeenCalledTimes(1);
    const moved = { ...message, url: URL_WITH_QUERY.replace('op=placeOrder', 'op=cancelOrder') };
    await expect(httpbis.verifyMessage({ keyLookup, requiredFields: components }, moved)).resolves.toBe(false);
  });

  test('builds byte-for-byte the signature base that library builds', async () => {
    const signed = await sdkSigned('ed25519');
    const input = signed.headers['signature-input'];
    const theirs = httpbis.formatSignatureBase([
      ...httpbis.createSignatureBase({ fields: components }, { method: 'POST', url: URL_WITH_QUERY, headers: { ...signed.headers } }),
      ['"@signature-params"', [input.slice('sig1='.length)]],
    ]);
    expect(theirs).toBe(signed.signatureBase);
    expect(signed.headers['content-digest']).toBe(`sha-256=:${createHash('sha256').update(BODY).digest('base64')}:`);
    expect(signed.nonce.length).toBeGreaterThanOrEqual(16);
  });

  test.each(['ed25519', 'hmac-sha256'] as const)('our server-side verifier accepts an SDK-signed %s request', async (alg) => {
    const signed = await sdkSigned(alg, 'http://127.0.0.1:4000/graphql');
    const call = { url: 'http://127.0.0.1:4000/graphql', method: 'POST', headers: { ...signed.headers }, body: BODY, rawBody: new TextEncoder().encode(BODY) };
    const key = alg === 'ed25519'
      ? { keyId: ed.keyId, accountId: 'a', scopes: ['TRADE'], algorithm: alg, publicKey: ed.publicKey }
      : { keyId: hmac.keyId, accountId: 'a', scopes: ['TRADE'], algorithm: alg, secret: hmac.secret };
    const [result] = await verifyCalls([call], key, Date.now);
    expect(result).toMatchObject({ status: 'verified', keyId: key.keyId, nonce: signed.nonce });
  });

  test('covers an Idempotency-Key given in headers (any case): that library verifies it, our verifier refuses it rewritten', async () => {
    const key = await importSigningKey({ alg: 'ed25519', privateKey: ed.privateKeyBase64 });
    const url = 'http://127.0.0.1:4000/graphql';
    const signed = await signRequestWebCrypto({ method: 'POST', url, body: BODY, keyId: ed.keyId, alg: 'ed25519', key, headers: { 'Idempotency-Key': '"order-7"', accept: 'application/json' } });
    expect(signed.headers['signature-input']).toMatch(/^sig1=\("@method" "@authority" "@path" "content-digest" "idempotency-key"\);/);
    expect(signed.signatureBase).toContain('\n"idempotency-key": "order-7"\n');

    const fields = ['@method', '@authority', '@path', 'content-digest', 'idempotency-key'];
    const keyLookup = async () => ({ id: ed.keyId, algs: ['ed25519' as const], verify: createVerifier(ed.publicKey, 'ed25519') });
    const message = { method: 'POST', url, headers: { ...signed.headers, 'idempotency-key': '"order-7"' } };
    await expect(httpbis.verifyMessage({ keyLookup, requiredFields: fields }, message)).resolves.toBe(true);

    const record = { keyId: ed.keyId, accountId: 'a', scopes: ['TRADE'], algorithm: 'ed25519' as const, publicKey: ed.publicKey };
    const call = (idempotencyKey: string) => ({ url, method: 'POST', headers: { ...signed.headers, 'idempotency-key': idempotencyKey }, body: BODY, rawBody: new TextEncoder().encode(BODY) });
    const [rewritten, honest] = await verifyCalls([call('"order-8"'), call('"order-7"')], record, Date.now);
    expect(rewritten).toMatchObject({ status: 'rejected', reason: 'SIGNATURE_INVALID' });
    expect(honest).toMatchObject({ status: 'verified' });
  });
});

describe('a running Signet server and requests signed by http-message-signatures', () => {
  let fixture: EmbeddedSignet;
  let services: DomainServices;
  let server: RunningSignet;
  let accountId: string;
  beforeAll(async () => {
    fixture = await openEmbeddedSignet({ USD: '10' }, 'interop');
    ({ services, server, accountId } = fixture);
  });
  afterAll(async () => fixture?.close());

  test.each(['ed25519', 'hmac-sha256'] as const)('the server accepts a %s request signed by that library', async (alg) => {
    const key = await createTestKey(services, accountId, alg, ['READ']);
    const body = JSON.stringify({ query: '{ me { id balances { asset available } } }' });
    const url = `${server.url}/graphql`;
    const material = alg === 'ed25519' ? key.privateKey! : key.secret!;
    const signed = await httpbis.signMessage(
      {
        key: createSigner(material, alg, key.keyId),
        name: 'sig1',
        fields: ['@method', '@authority', '@path', 'content-digest'],
        params: ['created', 'nonce', 'keyid'],
        paramValues: { nonce: randomBytes(18).toString('base64url') },
      },
      // The digest is computed here with node:crypto, independently of Signet's code.
      { method: 'POST', url, headers: { 'content-type': 'application/json', 'content-digest': `sha-256=:${createHash('sha256').update(body).digest('base64')}:` } },
    );
    const response = await fetch(url, { method: 'POST', headers: signed.headers as Record<string, string>, body });
    const json = await response.json();
    expect(response.status).toBe(200);
    expect(json.errors).toBeUndefined();
    expect(json.data.me).toEqual({ id: accountId, balances: expect.arrayContaining([{ asset: 'USD', available: '10' }]) });
  });
});
