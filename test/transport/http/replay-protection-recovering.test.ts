/**
 * A signature the nonce store cannot prove unseen (the store came back empty after it was made)
 * is refused with 503 REPLAY_PROTECTION_RECOVERING, and Retry-After says when a request signed
 * again will pass: counted on the signer's clock, the one that must advance.
 */
import { createMemoryIdempotencyStore } from '@signet/idempotency';
import { createMemoryNonceStore } from '@signet/http-message-signatures';
import { createMemoryRateLimitStore } from '@signet/rate-limit';
import { createMemoryKeyVersionStore } from '../../../src/domain';
import { RequestRefusedError } from '../../../src/errors';
import { createMetrics } from '../../../src/metrics';
import { createSequentialAdmissionStore } from '../../../src/transport/admission';
import { createAuthFailureGuard } from '../../../src/transport/http/auth-failure-guard';
import { createLocalBlocks } from '../../../src/transport/http/local-blocks';
import { createRequestAdmissions } from '../../../src/transport/http/request-admission';
import { createRequestLimiter } from '../../../src/transport/http/request-limits';
import { silentLogger } from '../../helpers/logger';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const SKEW_MS = 5_000;

function admissions() {
  const rateLimits = createMemoryRateLimitStore();
  const blocks = createLocalBlocks();
  const metrics = createMetrics();
  // The store came up empty at NOW.
  const nonces = createMemoryNonceStore({ completeSinceMs: NOW, now: () => NOW });
  const store = createSequentialAdmissionStore({
    rateLimits, nonces, idempotency: createMemoryIdempotencyStore({ completeSinceMs: 0 }), keyVersions: createMemoryKeyVersionStore(),
  });
  return createRequestAdmissions({
    store, nonces, metrics, logger: silentLogger, now: () => NOW, usage: { record: () => undefined, flush: async () => undefined, close: async () => undefined },
    limiter: createRequestLimiter({ store: rateLimits, fallback: createMemoryRateLimitStore(), metrics, logger: silentLogger, blocks }),
    guard: createAuthFailureGuard(rateLimits, blocks),
    apiKeys: { reloadVerificationMaterial: async () => null, keyCacheGeneration: () => 0 },
  });
}

/** The Retry-After of the refusal of a signature created `offsetMs` from our clock (negative: the signer's clock is behind). */
async function retryAfterFor(offsetMs: number): Promise<string> {
  const createdMs = NOW + offsetMs;
  const refusal = await admissions()({
    requestId: 'r1', source: '192.0.2.1', keyId: 'key_0123456789abcdef01234567', accountId: 'acct-1', nonce: `n-${offsetMs}`,
    nonceTtlMs: 35_000, notBeforeMs: createdMs - SKEW_MS, createdMs, claimByMs: NOW + 35_000,
  }).admit([]).then(() => null, (error: unknown) => error);
  expect(refusal).toBeInstanceOf(RequestRefusedError);
  const { extensions } = refusal as RequestRefusedError;
  expect(extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', reason: 'REPLAY_PROTECTION_RECOVERING' });
  return (extensions.http as unknown as { headers: Map<string, string> }).headers.get('retry-after')!;
}

describe('REPLAY_PROTECTION_RECOVERING tells the signer when to sign again, on its own clock', () => {
  test('a signer on our clock waits the skew', async () => {
    expect(await retryAfterFor(0)).toBe('5');
  });

  test('a signer 12 s behind waits 17 s: its created must pass the store\'s recovery plus the skew', async () => {
    expect(await retryAfterFor(-12_000)).toBe('17');
  });

  test('a signer 3 s ahead waits 2 s', async () => {
    expect(await retryAfterFor(3_000)).toBe('2');
  });
});
