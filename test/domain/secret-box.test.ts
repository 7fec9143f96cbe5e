/**
 * The secret box that seals HMAC secrets at rest (AES-256-GCM under the master key, the key id as
 * associated data). Before these, it was tested only through rotation and start-up, where every
 * sealed value moves with its own record under its own master key: a mutation testing review could
 * drop the associated data, fix the IV or drop the truncation check and every test still passed.
 */
import { randomBytes } from 'node:crypto';
import { createSecretBox, SealedSecretNotOpenedError } from '../../src/domain/secret-box';

const box = createSecretBox(randomBytes(32));
const SECRET = Buffer.from('an hmac secret of thirty-two byt');
/** The raw bytes of a sealed value: IV (12), tag (16), ciphertext. */
const rawOf = (sealed: string) => Buffer.from(sealed.split(':')[1], 'base64');
const sealedFrom = (raw: Buffer) => `v1:${raw.toString('base64')}`;

test('a sealed secret opens for its own key id under its own master key', () => {
  expect(box.open(box.seal(SECRET, 'key_a'), 'key_a')).toEqual(SECRET);
});

test('a sealed secret copied onto another key id does not open there (the key id is authenticated)', () => {
  // Someone who can write the api_keys table but holds no master key must not give key B key A's secret.
  expect(() => box.open(box.seal(SECRET, 'key_a'), 'key_b')).toThrow(SealedSecretNotOpenedError);
});

test('another master key opens nothing', () => {
  expect(() => createSecretBox(randomBytes(32)).open(box.seal(SECRET, 'key_a'), 'key_a')).toThrow(SealedSecretNotOpenedError);
});

test('every seal draws a fresh IV: the same secret sealed twice differs (a repeated GCM nonce under one key gives away plaintexts and tags)', () => {
  const ivs = new Set(Array.from({ length: 20 }, () => rawOf(box.seal(SECRET, 'key_a')).subarray(0, 12).toString('hex')));
  expect(ivs.size).toBe(20);
});

test.each([['the IV', 0], ['the tag', 12], ['the ciphertext', 28]])('one altered byte of %s: not opened', (_part, at) => {
  const raw = rawOf(box.seal(SECRET, 'key_a'));
  raw[at] ^= 0x01;
  expect(() => box.open(sealedFrom(raw), 'key_a')).toThrow(SealedSecretNotOpenedError);
});

test('a truncated value (up to the IV and tag alone) is not opened, as a damaged secret, never another error', () => {
  const raw = rawOf(box.seal(SECRET, 'key_a'));
  for (const length of [0, 5, 12, 17, 28]) expect(() => box.open(sealedFrom(raw.subarray(0, length)), 'key_a')).toThrow(SealedSecretNotOpenedError);
  expect(() => box.open('v2:AAAA', 'key_a')).toThrow(SealedSecretNotOpenedError);
});
