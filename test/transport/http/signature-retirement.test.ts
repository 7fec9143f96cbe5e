/**
 * Retiring refused signatures (claiming the nonce of a request refused before its admission) is
 * bounded per source and per process, so refusals from many sources cannot fill the nonce store
 * that verified requests need.
 */
import type { FastifyRequest } from 'fastify';
import { signRequest, createMemoryNonceStore } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import { generateKeyPairSync } from 'node:crypto';
import pino from 'pino';
import { createSignatureRetirement } from '../../../src/transport/http/signature-retirement';

const NOW = 1_800_000_000_000;
const { privateKey } = generateKeyPairSync('ed25519');

/** A signed request (any key id: nothing verifies it) from `source`, created 20 s ahead of the server. */
function refused(source: string, n: number): FastifyRequest {
  const { headers } = signRequest(nodeCrypto, {
    method: 'POST', authority: '127.0.0.1:4000', path: '/graphql', body: '{}', keyId: 'key_anyone', algorithm: 'ed25519', privateKey,
    created: Math.floor(NOW / 1000) + 20, nonce: `nonce-${source}-${n}-padding`,
  });
  return { id: `${source}-${n}`, headers, source } as unknown as FastifyRequest;
}

describe('signature retirement', () => {
  test('all sources together retire at most the per-process bound; verified requests still find room in the nonce store', async () => {
    const nonces = createMemoryNonceStore({ maxEntries: 1_000, now: () => NOW, completeSinceMs: 0 });
    const retire = createSignatureRetirement({
      nonces, maxAgeSeconds: 30, now: () => NOW, logger: pino({ level: 'silent' }), sourceOf: (r) => (r as unknown as { source: string }).source,
      limits: { max: 120, windowMs: 60_000 }, totalLimits: { max: 250, windowMs: 60_000 },
    });
    // 20 sources, each within its own allowance: 1,000 refusals, enough to fill the store without the bound.
    for (let s = 0; s < 20; s += 1) for (let n = 0; n < 50; n += 1) await retire(refused(`10.0.0.${s}`, n));
    const verified = await nonces.claim('key_alice', 'a-verified-nonce-0001', { ttlMs: 60_000, notBeforeMs: NOW - 60_000, createdMs: NOW - 60_000 });
    expect(verified).toEqual({ status: 'claimed' });
    // Exactly the bound was retired: the first 250 refusals' nonces are taken, the 251st is not.
    expect(await nonces.claim('key_anyone', 'nonce-10.0.0.4-49-padding', { ttlMs: 60_000, notBeforeMs: NOW - 60_000, createdMs: NOW - 60_000 })).toEqual({ status: 'reused' });
    expect(await nonces.claim('key_anyone', 'nonce-10.0.0.5-0-padding', { ttlMs: 60_000, notBeforeMs: NOW - 60_000, createdMs: NOW - 60_000 })).toEqual({ status: 'claimed' });
  });

  test('one source stops at its own allowance', async () => {
    const claimed: string[] = [];
    const retire = createSignatureRetirement({
      nonces: { claim: async (_key: string, nonce: string) => { claimed.push(nonce); return { status: 'claimed' }; } } as never,
      maxAgeSeconds: 30, now: () => NOW, logger: pino({ level: 'silent' }), sourceOf: (r) => (r as unknown as { source: string }).source,
    });
    for (let n = 0; n < 200; n += 1) await retire(refused('10.9.9.9', n));
    expect(claimed).toHaveLength(120);
  });
});
