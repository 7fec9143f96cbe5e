/**
 * The verification primitive, measured in the bench's own run: what the crypto alone costs, so the
 * signature layer (scenario 3 − 3b, server CPU per request) can be held against it. CPU time of this
 * process per operation (user + system), over a realistic RFC 9421 signature base, measured while
 * no load runs. The figures are per core, like the servers' "server CPU ms/request".
 */
import { createHmac, createPublicKey, generateKeyPairSync, randomBytes, randomUUID, sign, timingSafeEqual, verify } from 'node:crypto';
import { buildSignatureBase, computeContentDigest, newNonce } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import { BENCH_AUTHORITY, PLACE_ORDER_BODY } from './requests';

/** CPU milliseconds per operation, and what they were measured over. */
export interface PrimitiveCosts {
  /** Length of the signature base every operation signs or verifies. */
  readonly signatureBaseBytes: number;
  /** Operations timed per figure (after as many warm-up operations). */
  readonly iterations: number;
  /** `crypto.verify` with a KeyObject imported once (a key cache that hits). */
  readonly ed25519VerifyMs: number;
  /** The same through `@signet/http-message-signatures/node`'s `nodeCrypto.verify` (its key checks included). */
  readonly ed25519ProviderVerifyMs: number;
  /** `createPublicKey` from the stored SPKI DER, then verify (no key cache). */
  readonly ed25519ImportAndVerifyMs: number;
  /** HMAC-SHA256 of the base, then `timingSafeEqual` with the sent signature. */
  readonly hmacSignCompareMs: number;
}

/**
 * The base the bench's protected `placeOrder` signs (the components and parameters `signRequest`
 * writes for it), built with the package's own builder, so the primitive runs over the bytes the
 * server verifies.
 */
export function realisticSignatureBase(): Buffer {
  const components = ['@method', '@authority', '@path', 'content-digest', 'idempotency-key'];
  const params = `(${components.map((c) => `"${c}"`).join(' ')});created=${Math.floor(Date.now() / 1000)};nonce="${newNonce(nodeCrypto)}";keyid="${randomUUID()}"`;
  return Buffer.from(buildSignatureBase(components, {
    method: 'POST', authority: BENCH_AUTHORITY, path: '/graphql',
    headers: { 'content-digest': computeContentDigest(nodeCrypto, PLACE_ORDER_BODY), 'idempotency-key': randomUUID() },
  }, params));
}

/** CPU ms per call of `op`, over `iterations` calls after as many warm-up calls. Throws if `op` ever answers false. */
function cpuMsPerOp(iterations: number, op: () => boolean): number {
  for (let i = 0; i < iterations; i += 1) if (!op()) throw new Error('a primitive failed during warm-up');
  const before = process.cpuUsage();
  let ok = true;
  for (let i = 0; i < iterations; i += 1) ok = op() && ok;
  const used = process.cpuUsage(before);
  if (!ok) throw new Error('a primitive failed while measured');
  return Math.round(((used.user + used.system) / 1000 / iterations) * 10_000) / 10_000;
}

/** Measures the four figures in this process (synchronous: nothing else runs meanwhile). */
export function measureVerificationPrimitives(iterations = 3000): PrimitiveCosts {
  const base = realisticSignatureBase();
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const signature = sign(null, base, privateKey);
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const secret = randomBytes(32);
  const mac = createHmac('sha256', secret).update(base).digest();
  const material = { keyId: 'bench', algorithm: 'ed25519' as const, publicKey };
  return {
    signatureBaseBytes: base.length,
    iterations,
    ed25519VerifyMs: cpuMsPerOp(iterations, () => verify(null, base, publicKey, signature)),
    ed25519ProviderVerifyMs: cpuMsPerOp(iterations, () => nodeCrypto.verify(material, base, signature)),
    ed25519ImportAndVerifyMs: cpuMsPerOp(iterations, () => verify(null, base, createPublicKey({ key: spki, format: 'der', type: 'spki' }), signature)),
    hmacSignCompareMs: cpuMsPerOp(iterations * 10, () => timingSafeEqual(createHmac('sha256', secret).update(base).digest(), mac)),
  };
}

if (require.main === module) console.log(measureVerificationPrimitives());
