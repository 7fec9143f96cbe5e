/**
 * Which Ed25519 public keys may be registered. OpenSSL (and so node:crypto) verifies against any
 * 32 bytes: with a small-order key A, [h]A vanishes from the check [S]B = R + [h]A, so the
 * signature R = identity, S = 0 verifies EVERY message (pinned in the tests). RFC 8032 §5.1.3
 * decoding, plus the refusals of the strict verifiers (libsodium, ed25519-zebra "ZIP 215" notes):
 *
 *   length ≠ 32                               → 'length'
 *   y ≥ p, or x = 0 with the sign bit set     → 'non-canonical' (a second spelling of a point)
 *   no x with x² = (y² − 1) / (d·y² + 1)      → 'not-on-curve'
 *   [8]P = identity (the 8 points of order 1, 2, 4, 8) → 'small-order'
 *
 * Pure BigInt arithmetic on edwards25519 (−x² + y² = 1 + d·x²·y² over GF(p)); not constant time,
 * which is fine: public keys are public. A check costs about 0.3 ms (the square root dominates),
 * done once per registration, per stored key at start-up, and per key parsed for verification.
 */

/** The field prime p = 2^255 − 19. */
const P = 2n ** 255n - 19n;
/** The curve constant d = −121665 / 121666 mod p. */
const D = mod(-121665n * invert(121666n));
/** √−1 mod p = 2^((p − 1) / 4), used when the first square-root candidate squares to −u/v. */
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

/** Why a public key is refused; null from {@link ed25519PublicKeyProblem} when none applies. */
export type Ed25519KeyProblem = 'length' | 'non-canonical' | 'not-on-curve' | 'small-order';

interface Point { readonly x: bigint; readonly y: bigint }

function mod(a: bigint): bigint {
  const r = a % P;
  return r >= 0n ? r : r + P;
}

function pow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}

function invert(a: bigint): bigint {
  // Fermat: a^(p−2) = a^−1 for a ≠ 0 (used once, for the constant d).
  return pow(a, P - 2n);
}

/** A point in projective coordinates (X : Y : Z), x = X/Z, y = Y/Z: doubling needs no inversion. */
interface ProjectivePoint { readonly X: bigint; readonly Y: bigint; readonly Z: bigint }

/**
 * Projective doubling on −x² + y² = 1 + d·x²·y² ("dbl-2008-bbjlp", a = −1). With d a non-square
 * mod p the denominators (1 ± d·x²·y², here F and J) never vanish, so every point doubles correctly.
 */
function double({ X, Y, Z }: ProjectivePoint): ProjectivePoint {
  const B = mod((X + Y) * (X + Y));
  const C = mod(X * X);
  const Dy = mod(Y * Y);
  const E = mod(-C);
  const F = mod(E + Dy);
  const H = mod(Z * Z);
  const J = mod(F - 2n * H);
  return { X: mod((B - C - Dy) * J), Y: mod(F * (E - Dy)), Z: mod(F * J) };
}

/** RFC 8032 §5.1.3 decoding; refuses the second spellings the RFC's own decoder lets through. */
function decode(bytes: Uint8Array): Point | 'non-canonical' | 'not-on-curve' {
  let y = 0n;
  for (let i = 31; i >= 0; i -= 1) y = (y << 8n) | BigInt(bytes[i]);
  const sign = y >> 255n;
  y &= (1n << 255n) - 1n;
  if (y >= P) return 'non-canonical';
  const u = mod(y * y - 1n);
  const v = mod(D * y * y + 1n);
  // x = u·v³·(u·v⁷)^((p−5)/8): a square root of u/v when one exists (p ≡ 5 mod 8).
  let x = mod(u * pow(v, 3n) * pow(u * pow(v, 7n), (P - 5n) / 8n));
  const vx2 = mod(v * x * x);
  if (vx2 === mod(-u)) x = mod(x * SQRT_M1);
  else if (vx2 !== u) return 'not-on-curve';
  // x = 0 has no negative: a set sign bit there is a second spelling of (0, y).
  if (x === 0n && sign === 1n) return 'non-canonical';
  if ((x & 1n) !== sign) x = P - x;
  return { x, y };
}

/**
 * Why `bytes` (a raw 32-byte Ed25519 public key, RFC 8032 encoding) must not be registered, or
 * null when it is an ordinary key. Small order is tested as [8]P = identity (0, 1): the cofactor
 * 8 kills exactly the torsion points, so three doublings decide it.
 */
export function ed25519PublicKeyProblem(bytes: Uint8Array): Ed25519KeyProblem | null {
  if (bytes.length !== 32) return 'length';
  const point = decode(bytes);
  if (typeof point === 'string') return point;
  let q: ProjectivePoint = { X: point.x, Y: point.y, Z: 1n };
  for (let i = 0; i < 3; i += 1) q = double(q);
  // The identity (0, 1) in projective form: X = 0 and Y = Z (Z is never 0, see `double`).
  return q.X === 0n && q.Y === q.Z ? 'small-order' : null;
}
