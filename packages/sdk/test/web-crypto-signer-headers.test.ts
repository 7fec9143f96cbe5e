/**
 * `signRequestWebCrypto` covers an `Idempotency-Key` passed in `headers`: the server refuses an
 * uncovered one, and a covered one cannot be swapped in transit.
 */
import { importSigningKey, signRequestWebCrypto } from '@signet/sdk';

async function sign(headers?: Record<string, string>) {
  const key = await importSigningKey({ alg: 'hmac-sha256', secret: new Uint8Array(32).fill(5) });
  return signRequestWebCrypto({ method: 'POST', url: 'https://api.example/graphql', body: '{}', keyId: 'key_1', alg: 'hmac-sha256', key, created: 1_700_000_000, nonce: 'nonce-0123456789abcdef', headers });
}

describe('signRequestWebCrypto and the headers it is given', () => {
  test('an Idempotency-Key (any case) is a covered component, its value in the signature base', async () => {
    const signed = await sign({ 'Idempotency-Key': ' order-1 ', accept: 'application/json' });
    expect(signed.headers['signature-input']).toBe('sig1=("@method" "@authority" "@path" "content-digest" "idempotency-key");created=1700000000;nonce="nonce-0123456789abcdef";keyid="key_1"');
    expect(signed.signatureBase.split('\n')).toContain('"idempotency-key": order-1');
    // Other headers are sent but not covered: the profile requires only these.
    expect(signed.signatureBase).not.toContain('accept');
  });

  test('without one, only the required components are covered', async () => {
    expect((await sign()).headers['signature-input']).toMatch(/^sig1=\("@method" "@authority" "@path" "content-digest"\);/);
    expect((await sign({ accept: 'application/json' })).headers['signature-input']).toMatch(/^sig1=\("@method" "@authority" "@path" "content-digest"\);/);
  });

  test('the same header under two spellings is refused rather than one of them signed', async () => {
    await expect(sign({ 'Idempotency-Key': 'a', 'idempotency-key': 'b' })).rejects.toThrow('headers name Idempotency-Key more than once');
  });
});
