/**
 * The attack a small-order Ed25519 key enables, and the verifier's refusal of it: with the
 * identity point as public key, R = identity and S = 0 satisfy [S]B = R + [h]A for every message.
 */
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { signedRequest, setup } from './helpers';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const IDENTITY = Buffer.from('01'.padEnd(64, '0'), 'hex');
/** R = the identity's encoding, S = 0. */
const FORGED = Buffer.concat([IDENTITY, Buffer.alloc(32)]);
const weakKey = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, IDENTITY]), format: 'der', type: 'spki' });

describe('a small-order Ed25519 key', () => {
  test('is accepted by node:crypto, which verifies the forged signature for any message (why Signet checks keys itself)', () => {
    expect(cryptoVerify(null, Buffer.from('transfer everything'), weakKey, FORGED)).toBe(true);
    expect(cryptoVerify(null, Buffer.from('anything else'), weakKey, FORGED)).toBe(true);
  });

  test('never verifies the forged signature through the request verifier: SIGNATURE_INVALID', async () => {
    const { verify, keys, claimNonce } = setup();
    keys.set('weak-key', { keyId: 'weak-key', accountId: 'acct-weak', scopes: ['TRANSFER'], algorithm: 'ed25519', publicKey: weakKey });
    const req = signedRequest({ keyId: 'weak-key', edit: { signature: `sig1=:${FORGED.toString('base64')}:` } });
    await expect(verify(req)).resolves.toEqual({ status: 'rejected', reason: 'SIGNATURE_INVALID', keyId: 'weak-key' });
    expect(claimNonce).not.toHaveBeenCalled();
  });
});
