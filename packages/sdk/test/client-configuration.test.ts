/**
 * A misconfigured client fails when it is created, with a TypeError that names the option and
 * never quotes the key material, instead of building fine and rejecting its first request with an
 * error `request()` does not promise. A key id and key material come together or not at all.
 */
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { createSignetClient, importSigningKey, MeDocument, type SignetClientOptions } from '@signet/sdk';
import { answer, ed25519Key, hmacKey, scriptedFetch, verifyCalls } from './helpers';

const URL = 'http://127.0.0.1:4000';
const NOW = Date.UTC(2030, 0, 1);
const ME = answer({ data: { me: { id: 'a' } } });

/** What createSignetClient threw for `options` (undefined when it did not throw), before any fetch. */
function constructionError(options: Omit<SignetClientOptions, 'url' | 'fetch'>): Error | undefined {
  const { fetch } = scriptedFetch(ME);
  try {
    createSignetClient({ url: URL, fetch, ...options });
    return undefined;
  } catch (error) {
    expect(fetch).not.toHaveBeenCalled();
    return error as Error;
  }
}

/** Expects a TypeError naming `option`, whose message leaves out every piece of `material`. */
function expectRefused(options: Omit<SignetClientOptions, 'url' | 'fetch'>, option: RegExp, ...material: string[]): void {
  const error = constructionError(options);
  expect(error).toBeInstanceOf(TypeError);
  expect(error?.message).toMatch(option);
  for (const secret of material) expect(error?.message).not.toContain(secret);
}

const der = (key: ReturnType<typeof generateKeyPairSync>['privateKey'] | ReturnType<typeof generateKeyPairSync>['publicKey'], type: 'pkcs8' | 'spki') =>
  key.export({ format: 'der', type } as never) as Buffer;

describe('bad key material is refused when the client is created', () => {
  test('a privateKey that is not an Ed25519 private key', () => {
    const ed = generateKeyPairSync('ed25519');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const garbage = 'garbage';
    expectRefused({ keyId: 'key_1', privateKey: garbage }, /^privateKey is not an Ed25519 private key/, garbage);
    expectRefused({ keyId: 'key_1', privateKey: 'not base64 at all!' }, /^privateKey is not an Ed25519 private key/, 'base64 at all');
    const truncated = der(ed.privateKey, 'pkcs8').subarray(0, 40).toString('base64');
    expectRefused({ keyId: 'key_1', privateKey: truncated }, /^privateKey is not an Ed25519 private key/, truncated);
    const publicHalf = der(ed.publicKey, 'spki').toString('base64');
    expectRefused({ keyId: 'key_1', privateKey: publicHalf }, /^privateKey is not an Ed25519 private key/, publicHalf);
    const rsaKey = der(rsa.privateKey, 'pkcs8').toString('base64');
    expectRefused({ keyId: 'key_1', privateKey: rsaKey }, /^privateKey is not an Ed25519 private key/, rsaKey.slice(0, 40));
    const x25519 = der(generateKeyPairSync('x25519').privateKey, 'pkcs8').toString('base64');
    expectRefused({ keyId: 'key_1', privateKey: x25519 }, /^privateKey is not an Ed25519 private key/, x25519);
    const trailing = Buffer.concat([der(ed.privateKey, 'pkcs8'), Buffer.of(0)]).toString('base64');
    expectRefused({ keyId: 'key_1', privateKey: trailing }, /^privateKey is not an Ed25519 private key/, trailing);
  });

  test('an hmac-sha256 secret that is short or not base64', () => {
    const short = Buffer.alloc(16, 7).toString('base64');
    expectRefused({ keyId: 'key_1', secret: short }, /^secret has 16 bytes: an hmac-sha256 secret has at least 32$/, short);
    expectRefused({ keyId: 'key_1', secret: new Uint8Array(31) }, /^secret has 31 bytes/);
    expectRefused({ keyId: 'key_1', secret: 'not*base64' }, /^secret is not base64$/, 'not*base64');
  });

  test('a CryptoKey of the other algorithm, or one that cannot sign', async () => {
    const hmac = await importSigningKey({ alg: 'hmac-sha256', secret: new Uint8Array(32) });
    const ed = (await webcrypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    expectRefused({ keyId: 'key_1', privateKey: hmac }, /^privateKey is not an Ed25519 private key/);
    expectRefused({ keyId: 'key_1', secret: ed.privateKey }, /^secret must be .* an HMAC signing CryptoKey$/);
    expectRefused({ keyId: 'key_1', privateKey: ed.publicKey }, /^privateKey is not an Ed25519 private key/);
  });

  test('an alg that is neither ed25519 nor hmac-sha256', () => {
    expectRefused({ keyId: 'key_1', alg: 'rsa' as never, secret: hmacKey().secretBase64 }, /^alg must be ed25519 or hmac-sha256$/);
  });
});

describe('a key id and its key material come together or not at all', () => {
  test('privateKey or secret without keyId throws, rather than building a client that signs nothing', () => {
    const ed = ed25519Key();
    const hmac = hmacKey();
    expectRefused({ privateKey: ed.privateKeyBase64 }, /^privateKey given without keyId/, ed.privateKeyBase64);
    expectRefused({ keyId: undefined, secret: hmac.secretBase64 }, /^secret given without keyId/, hmac.secretBase64);
  });

  test('keyId without its key material throws, as before', () => {
    expectRefused({ keyId: 'key_1' }, /^an ed25519 client needs privateKey$/);
    expectRefused({ keyId: 'key_1', alg: 'hmac-sha256', privateKey: ed25519Key().privateKeyBase64 }, /^an hmac-sha256 client needs secret$/);
  });

  test('a keyId the server would refuse throws', () => {
    expectRefused({ keyId: 'key with spaces', privateKey: ed25519Key().privateKeyBase64 }, /^keyId must be a key id/);
    expectRefused({ keyId: '', secret: hmacKey().secretBase64 }, /^keyId must be a key id/);
  });

  test('neither gives an unsigned client', async () => {
    const { fetch, calls } = scriptedFetch(ME);
    await createSignetClient({ url: URL, fetch }).request(MeDocument, {});
    expect(calls[0].headers).not.toHaveProperty('signature');
  });
});

describe('good key material still signs', () => {
  /** One signed `me` with `privateKey`, checked by the server's verifier against `publicKey`. */
  async function verdictFor(privateKey: string | CryptoKey, publicKey: ReturnType<typeof generateKeyPairSync>['publicKey']) {
    const { fetch, calls } = scriptedFetch(ME);
    await createSignetClient({ url: URL, keyId: 'key_1', privateKey, fetch, clock: () => NOW }).request(MeDocument, {});
    const [verdict] = await verifyCalls(calls, { keyId: 'key_1', accountId: 'a', scopes: ['READ'], algorithm: 'ed25519', publicKey }, () => NOW);
    return verdict;
  }

  test('as `signet keys create` prints it, as PEM, and as PKCS#8 v2 with its public key (which Node\'s WebCrypto alone refuses)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const v1 = der(privateKey, 'pkcs8');
    expect(await verdictFor(v1.toString('base64'), publicKey)).toMatchObject({ status: 'verified' });
    expect(await verdictFor(privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, publicKey)).toMatchObject({ status: 'verified' });
    // RFC 8410 §10.3's layout: version 1, the seed, then [1] the public key.
    const v2 = Buffer.concat([Buffer.from('3051020101300506032b657004220420', 'hex'), v1.subarray(16), Buffer.from('812100', 'hex'), der(publicKey, 'spki').subarray(12)]);
    expect(await verdictFor(v2.toString('base64'), publicKey)).toMatchObject({ status: 'verified' });
  });

  test('an HMAC secret as base64 or bytes, and imported CryptoKeys', async () => {
    const hmac = hmacKey();
    for (const secret of [hmac.secretBase64, new Uint8Array(hmac.secret), await importSigningKey({ alg: 'hmac-sha256', secret: hmac.secretBase64 })]) {
      const { fetch, calls } = scriptedFetch(ME);
      await createSignetClient({ url: URL, keyId: hmac.keyId, secret, fetch, clock: () => NOW }).request(MeDocument, {});
      const [verdict] = await verifyCalls(calls, { keyId: hmac.keyId, accountId: 'a', scopes: ['READ'], algorithm: 'hmac-sha256', secret: hmac.secret }, () => NOW);
      expect(verdict).toMatchObject({ status: 'verified' });
    }
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const cryptoKey = await importSigningKey({ alg: 'ed25519', privateKey: der(privateKey, 'pkcs8').toString('base64') });
    expect(await verdictFor(cryptoKey, publicKey)).toMatchObject({ status: 'verified' });
  });
});
