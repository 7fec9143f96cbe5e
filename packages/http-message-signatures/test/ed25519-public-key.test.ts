import { generateKeyPairSync } from 'node:crypto';
import { ed25519PublicKeyProblem } from '../src';

const hex = (text: string) => Buffer.from(text, 'hex');

/** The 8 points of small order (1, 2, 4, 8) in canonical encoding, as listed by libsodium and "Taming the many EdDSAs". */
const SMALL_ORDER = [
  ['identity (order 1)', '0100000000000000000000000000000000000000000000000000000000000000'],
  ['(0, -1) (order 2)', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
  ['(sqrt(-1), 0) (order 4)', '0000000000000000000000000000000000000000000000000000000000000000'],
  ['(-sqrt(-1), 0) (order 4)', '0000000000000000000000000000000000000000000000000000000000000080'],
  ['order 8, x even', '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'],
  ['order 8, x odd', '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85'],
  ['order 8, -y, x even', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'],
  ['order 8, -y, x odd', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa'],
];

/** Second spellings of small-order points: x = 0 with the sign bit set, or y ≥ p (p, p + 1 ≡ 0, 1). */
const NON_CANONICAL = [
  ['identity with the sign bit ("negative zero")', '0100000000000000000000000000000000000000000000000000000000000080'],
  ['(0, -1) with the sign bit', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'],
  ['y = p (≡ 0)', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
  ['y = p, sign bit', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'],
  ['y = p + 1 (≡ 1, the identity again)', 'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
  ['y = p + 1, sign bit', 'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'],
  ['y = 2^255 - 1 (the largest y the encoding holds)', 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
];

describe('Ed25519 public keys that may not be registered', () => {
  test.each(SMALL_ORDER)('%s is small-order', (_name, encoding) => {
    expect(ed25519PublicKeyProblem(hex(encoding))).toBe('small-order');
  });

  test.each(NON_CANONICAL)('%s is non-canonical', (_name, encoding) => {
    expect(ed25519PublicKeyProblem(hex(encoding))).toBe('non-canonical');
  });

  test('a y with no x on the curve is refused', () => {
    // y = 2: (y² − 1) / (d·y² + 1) is not a square mod p.
    expect(ed25519PublicKeyProblem(hex('02'.padEnd(64, '0')))).toBe('not-on-curve');
  });

  test.each([0, 31, 33, 64])('%i bytes is the wrong length', (length) => {
    expect(ed25519PublicKeyProblem(new Uint8Array(length))).toBe('length');
  });

  test('ordinary generated keys, and their negations, pass', () => {
    for (let i = 0; i < 64; i += 1) {
      const raw = Buffer.from(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x as string, 'base64url');
      expect(ed25519PublicKeyProblem(raw)).toBeNull();
      raw[31] ^= 0x80; // the same y with the other x: −P, of prime order too
      expect(ed25519PublicKeyProblem(raw)).toBeNull();
    }
  });

  test('the base point passes (it generates the prime-order subgroup)', () => {
    expect(ed25519PublicKeyProblem(hex('5866666666666666666666666666666666666666666666666666666666666666'))).toBeNull();
  });
});
