import { createServer } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import type { DomainServices } from '../../../src/domain';
import { DEFAULT_RETRY } from '@signet/sdk';
import { checkSigningKey, type KeyCheckRetry } from '../../../src/transport/playground/browser/key-check';
import { checkKeyId, importPastedKey, KeyPasteError } from '../../../src/transport/playground/browser/key-import';
import type { SigningIdentity } from '../../../src/transport/playground/browser/signed-fetcher';
import { createTestKey, openEmbeddedSignet, type EmbeddedSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';

/** The base64 PKCS#8 text `signet keys create` prints for a test key. */
function pkcs8Text(key: TestKey): string {
  return key.privateKey!.export({ format: 'der', type: 'pkcs8' }).toString('base64');
}

/** A fresh Ed25519 private key no key id belongs to. */
function strangerPrivateKey(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
}

/** What a just-restarted server answers a signature it cannot prove unused (request-admission.ts). */
const RECOVERING_BODY = JSON.stringify({ errors: [{
  message: 'Replay protection restarted and cannot prove this signature unused; nothing ran. Sign the request again and retry after Retry-After.',
  extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true, reason: 'REPLAY_PROTECTION_RECOVERING', retryAfter: 5 },
}] });

async function pasteError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(KeyPasteError);
  return (error as Error).message;
}

describe('a pasted key is checked at paste time', () => {
  test('an Ed25519 PKCS#8 key imports non-extractable, with its public key derived here', async () => {
    const pair = generateKeyPairSync('ed25519');
    const imported = await importPastedKey('ed25519', `  ${pair.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')}\n`);
    expect(imported.key.extractable).toBe(false);
    expect(imported.key.usages).toEqual(['sign']);
    expect(imported.publicKey).toBe(pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'));
  });

  test('PEM is accepted too', async () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await expect(importPastedKey('ed25519', pem)).resolves.toMatchObject({ publicKey: expect.stringMatching(/^MCowBQYDK2VwAyEA/) });
  });

  test('malformed or mistaken pastes are named', async () => {
    const pair = generateKeyPairSync('ed25519');
    expect(await pasteError(importPastedKey('ed25519', ' '))).toBe('Paste the private key.');
    expect(await pasteError(importPastedKey('ed25519', 'not base64!'))).toMatch(/not base64/);
    expect(await pasteError(importPastedKey('ed25519', pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')))).toMatch(/public key: paste the private key/);
    expect(await pasteError(importPastedKey('ed25519', pair.publicKey.export({ format: 'pem', type: 'spki' }).toString()))).toMatch(/PEM "PUBLIC KEY": paste an unencrypted PKCS#8 private key/);
    expect(await pasteError(importPastedKey('ed25519', Buffer.alloc(32, 1).toString('base64')))).toMatch(/32 raw bytes/);
    const truncated = pair.privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(0, 40).toString('base64');
    expect(await pasteError(importPastedKey('ed25519', truncated))).toMatch(/not an Ed25519 private key/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    expect(await pasteError(importPastedKey('ed25519', rsa))).toMatch(/not an Ed25519 private key/);
  });

  test('an HMAC secret needs 32 bytes, and an Ed25519 key pasted as a secret is named', async () => {
    const imported = await importPastedKey('hmac-sha256', Buffer.alloc(32, 3).toString('base64'));
    expect(imported.key).toMatchObject({ extractable: false, usages: ['sign'], algorithm: { name: 'HMAC' } });
    expect(imported.publicKey).toBeUndefined();
    expect(await pasteError(importPastedKey('hmac-sha256', Buffer.alloc(16, 3).toString('base64')))).toMatch(/at least 32 bytes; this one has 16/);
    expect(await pasteError(importPastedKey('hmac-sha256', strangerPrivateKey()))).toMatch(/Ed25519 private key: choose ed25519/);
  });

  test('a key id the server would not accept is refused before any request', () => {
    expect(() => checkKeyId('')).toThrow(/Enter the key id/);
    expect(() => checkKeyId('key with spaces')).toThrow(/is not a key id/);
    expect(() => checkKeyId('key_abc-1.2')).not.toThrow();
  });
});

describe('a pasted key is proven by one signed request before the playground says signed', () => {
  let fixture: EmbeddedSignet;
  let services: DomainServices;
  let server: RunningSignet;
  let accountId: string;
  beforeAll(async () => {
    fixture = await openEmbeddedSignet({ USD: '1000' }, 'playground-keycheck');
    ({ services, server, accountId } = fixture);
  });
  afterAll(async () => fixture?.close());

  const endpoint = () => ({ url: `${server.url}/graphql`, authority: server.authority });
  const identity = async (keyId: string, privateKey: string): Promise<SigningIdentity> => ({ keyId, alg: 'ed25519', key: (await importPastedKey('ed25519', privateKey)).key });

  test('the right Ed25519 key for its key id is verified, with its account', async () => {
    const key = await createTestKey(services, accountId, 'ed25519');
    await expect(checkSigningKey(await identity(key.keyId, pkcs8Text(key)), endpoint())).resolves.toEqual({ verified: true, accountId });
  });

  test('a private key that does not belong to the key id is refused as SIGNATURE_INVALID', async () => {
    const key = await createTestKey(services, accountId, 'ed25519');
    const result = await checkSigningKey(await identity(key.keyId, strangerPrivateKey()), endpoint());
    expect(result).toEqual({ verified: false, message: expect.stringContaining(`SIGNATURE_INVALID): this private key does not belong to key id ${key.keyId}`) });
  });

  test('an unknown key id is refused the same way (the server does not say which)', async () => {
    const result = await checkSigningKey(await identity('key_unknown_0001', strangerPrivateKey()), endpoint());
    expect(result).toEqual({ verified: false, message: expect.stringContaining('or that key id is unknown or revoked') });
  });

  test('the right HMAC secret is verified; a wrong one is refused', async () => {
    const key = await createTestKey(services, accountId, 'hmac-sha256');
    const right: SigningIdentity = { keyId: key.keyId, alg: 'hmac-sha256', key: (await importPastedKey('hmac-sha256', key.secret!.toString('base64'))).key };
    await expect(checkSigningKey(right, endpoint())).resolves.toEqual({ verified: true, accountId });
    const wrong: SigningIdentity = { keyId: key.keyId, alg: 'hmac-sha256', key: (await importPastedKey('hmac-sha256', Buffer.alloc(32, 9).toString('base64'))).key };
    await expect(checkSigningKey(wrong, endpoint())).resolves.toMatchObject({ verified: false, message: expect.stringContaining('SIGNATURE_INVALID') });
  });

  test('a key without READ scope is still proven (its signature verified), without the account', async () => {
    const key = await createTestKey(services, accountId, 'ed25519', ['TRADE']);
    await expect(checkSigningKey(await identity(key.keyId, pkcs8Text(key)), endpoint())).resolves.toEqual({ verified: true, note: 'the key has no READ scope, so its account is not shown' });
  });

  test('a rate-limited or failing check proves nothing, and says when to retry', async () => {
    const answering = (status: number, body: string) => (async () => new Response(body, { status })) as unknown as typeof fetch;
    const candidate = await identity('key_1', strangerPrivateKey());
    const limited = await checkSigningKey(candidate, { ...endpoint(), fetch: answering(429, '{"errors":[{"message":"Too many","extensions":{"code":"RATE_LIMITED","retryAfter":42}}]}') });
    expect(limited).toEqual({ verified: false, message: 'Not checked (RATE_LIMITED): too many failed signature attempts from this address; try again in 42 s. Requests stay unsigned.' });
    // A proxy's page: the server (or something in front of it) answered, without saying why.
    const down = await checkSigningKey(candidate, { ...endpoint(), fetch: answering(503, 'Service Unavailable') });
    expect(down).toEqual({ verified: false, message: 'Not checked (HTTP 503): the answer named no error code (a proxy in front of the server?). Requests stay unsigned.' });
  });

  test('a check refused while replay protection recovers from a restart waits Retry-After and tries again, signed afresh', async () => {
    const key = await createTestKey(services, accountId, 'ed25519');
    const sentSignatures: string[] = [];
    // The first answer is the one a just-restarted server gives; later ones come from the real server.
    const restarted = (async (url: string, init: RequestInit) => {
      sentSignatures.push((init.headers as Record<string, string>).signature);
      return sentSignatures.length === 1 ? new Response(RECOVERING_BODY, { status: 503, headers: { 'retry-after': '5' } }) : fetch(url, init);
    }) as unknown as typeof fetch;
    const waits: number[] = [];
    const retries: KeyCheckRetry[] = [];
    const result = await checkSigningKey(await identity(key.keyId, pkcs8Text(key)), {
      ...endpoint(), fetch: restarted, sleep: async (ms) => void waits.push(ms), onRetry: (retry) => retries.push(retry),
    });
    expect(result).toEqual({ verified: true, accountId });
    expect(waits).toEqual([5000]);
    expect(retries).toEqual([{ attempt: 2, maxAttempts: DEFAULT_RETRY.maxAttempts, delayMs: 5000, sent: expect.objectContaining({ status: 503, refusal: { code: 'SERVICE_UNAVAILABLE', reason: 'REPLAY_PROTECTION_RECOVERING', retryable: true, retryAfter: 5 } }) }]);
    expect(sentSignatures).toHaveLength(2);
    expect(sentSignatures[1]).not.toBe(sentSignatures[0]);
  });

  test('a check still refused after a few attempts names the code, the reason and when to retry', async () => {
    let calls = 0;
    const recovering = (async () => {
      calls += 1;
      return new Response(RECOVERING_BODY, { status: 503 });
    }) as unknown as typeof fetch;
    let clock = 0;
    const result = await checkSigningKey(await identity('key_1', strangerPrivateKey()), { ...endpoint(), fetch: recovering, now: () => clock, sleep: async (ms) => void (clock += ms) });
    expect(calls).toBe(DEFAULT_RETRY.maxAttempts);
    expect(clock).toBeLessThanOrEqual(DEFAULT_RETRY.maxTotalMs);
    expect(result).toEqual({
      verified: false,
      message: 'Not checked (HTTP 503 SERVICE_UNAVAILABLE (REPLAY_PROTECTION_RECOVERING)): the server restarted and cannot yet prove a signature unused; nothing ran. Retry in 5 s. Requests stay unsigned.',
    });
  });

  test('a refusal that is not retryable, or names no Retry-After, is not retried', async () => {
    let calls = 0;
    const answering = (body: string) => (async () => {
      calls += 1;
      return new Response(body, { status: 503 });
    }) as unknown as typeof fetch;
    const sleep = async () => {
      throw new Error('must not wait');
    };
    const candidate = await identity('key_1', strangerPrivateKey());
    const noHint = await checkSigningKey(candidate, { ...endpoint(), sleep, fetch: answering('{"errors":[{"message":"down","extensions":{"code":"SERVICE_UNAVAILABLE","retryable":true}}]}') });
    expect(noHint).toEqual({ verified: false, message: 'Not checked (HTTP 503 SERVICE_UNAVAILABLE). Requests stay unsigned.' });
    const final = await checkSigningKey(candidate, { ...endpoint(), sleep, fetch: answering('{"errors":[{"message":"no","extensions":{"code":"INTERNAL_SERVER_ERROR","retryable":false,"retryAfter":3}}]}') });
    expect(final).toEqual({ verified: false, message: 'Not checked (HTTP 503 INTERNAL_SERVER_ERROR): retry in 3 s. Requests stay unsigned.' });
    expect(calls).toBe(2);
  });

  test('a check waiting to retry stops when it is cancelled', async () => {
    const controller = new AbortController();
    let calls = 0;
    const recovering = (async () => {
      calls += 1;
      return new Response(RECOVERING_BODY, { status: 503 });
    }) as unknown as typeof fetch;
    const checking = checkSigningKey(await identity('key_1', strangerPrivateKey()), { ...endpoint(), fetch: recovering, signal: controller.signal, onRetry: () => controller.abort() });
    await expect(checking).resolves.toEqual({ verified: false, message: 'Not checked: cancelled.' });
    expect(calls).toBe(1);
  });

  test('a server that cannot be reached proves nothing', async () => {
    // A port that was free a moment ago: connecting is refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const key = await createTestKey(services, accountId, 'ed25519');
    const result = await checkSigningKey(await identity(key.keyId, pkcs8Text(key)), { url: `http://127.0.0.1:${port}/graphql`, authority: `127.0.0.1:${port}` });
    expect(result).toMatchObject({ verified: false, message: expect.stringMatching(/^Not checked: the request failed/) });
  });
});
