/**
 * Cross-check against an independent RFC 9421 implementation (`http-message-signatures`, dev
 * dependency only): what we sign it verifies, what it signs we verify, and both build the same base.
 * That library reads the real clock, so these requests are created "now".
 */
import { createSigner, createVerifier, httpbis } from 'http-message-signatures';
import { computeContentDigest, signRequest } from '../src';
import { nodeCrypto } from '../src/node';
import { AUTHORITY, BODY, ED25519, HMAC, setup } from './helpers';

const path = '/graphql';
const query = 'op=placeOrder';
const url = `https://${AUTHORITY}${path}?${query}`;
const components = ['@method', '@authority', '@path', '@query', 'content-digest'];

function ours(algorithm: 'ed25519' | 'hmac-sha256') {
  return signRequest(nodeCrypto, {
    method: 'POST',
    authority: AUTHORITY,
    path,
    query,
    body: BODY,
    components,
    ...(algorithm === 'ed25519'
      ? { keyId: ED25519.keyId, algorithm, privateKey: ED25519.privateKey }
      : { keyId: HMAC.keyId, algorithm, secret: HMAC.secret }),
  });
}

describe('interop with the http-message-signatures package', () => {
  it.each(['ed25519', 'hmac-sha256'] as const)('its verifier accepts a %s request signed by signRequest', async (algorithm) => {
    const signed = ours(algorithm);
    const verifier =
      algorithm === 'ed25519' ? createVerifier(ED25519.publicKey, 'ed25519') : createVerifier(HMAC.secret, 'hmac-sha256');
    const keyLookup = jest.fn(async () => ({ id: 'k', algs: [algorithm], verify: verifier }));
    const result = await httpbis.verifyMessage(
      { keyLookup, requiredFields: components, requiredParams: ['created', 'nonce', 'keyid'], maxAge: 30 },
      { method: 'POST', url, headers: { 'content-type': 'application/json', ...signed.headers } },
    );
    expect(result).toBe(true);
    expect(keyLookup).toHaveBeenCalledTimes(1);
    // And it is not vacuous: the same headers on another path fail there too.
    const elsewhere = await httpbis.verifyMessage(
      { keyLookup, requiredFields: components },
      { method: 'POST', url: url.replace('/graphql', '/admin'), headers: { ...signed.headers } },
    );
    expect(elsewhere).toBe(false);
  });

  it('builds the same signature base as we do', () => {
    const signed = ours('ed25519');
    const input = signed.headers['signature-input'];
    const params = input.slice(input.indexOf(')') + 1);
    const theirs = httpbis.formatSignatureBase([
      ...httpbis.createSignatureBase({ fields: components }, { method: 'POST', url, headers: { ...signed.headers } }),
      ['"@signature-params"', [input.slice('sig1='.length)]],
    ]);
    expect(theirs).toBe(signed.signatureBase);
    expect(params).toMatch(/^;created=\d+;nonce="[^"]+";keyid="ed-key-1"$/);
  });

  it('our verifier accepts a request signed by its signer', async () => {
    const { verify } = setup({ now: () => Date.now() });
    const digest = computeContentDigest(nodeCrypto, BODY);
    const signedByThem = await httpbis.signMessage(
      {
        key: createSigner(ED25519.privateKey, 'ed25519', ED25519.keyId),
        name: 'sig1',
        fields: components,
        params: ['created', 'nonce', 'keyid'],
        paramValues: { nonce: 'their-nonce-0123456789' },
      },
      { method: 'POST', url, headers: { 'content-digest': digest } },
    );
    const headers = Object.fromEntries(Object.entries(signedByThem.headers).map(([k, v]) => [k.toLowerCase(), v]));
    await expect(
      verify({ method: 'POST', path, query, hasQuery: true, headers, rawBody: Buffer.from(BODY) }),
    ).resolves.toMatchObject({ status: 'verified', keyId: ED25519.keyId, nonce: 'their-nonce-0123456789' });
  });
});
