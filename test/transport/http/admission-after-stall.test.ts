/**
 * Clock review (M3): the signature is checked in the preHandler, its nonce claimed later, in the
 * admission (after GraphQL's parse, validation and plan). A process that stalls between the two
 * (a long GC pause, CPU starvation) must not claim a nonce whose earlier claim may have lapsed
 * meanwhile: a replay checked at the end of its window would run a second time. The admission
 * refuses such a request as SIGNATURE_EXPIRED before anything is sent to the stores.
 */
import { createMemoryIdempotencyStore } from '@signet/idempotency';
import { createMemoryNonceStore } from '@signet/http-message-signatures';
import { createMemoryRateLimitStore } from '@signet/rate-limit';
import { createMetrics } from '../../../src/metrics';
import { RequestRefusedError } from '../../../src/errors';
import { createSequentialAdmissionStore, type AdmissionCheck } from '../../../src/transport/admission';
import { createAuthFailureGuard } from '../../../src/transport/http/auth-failure-guard';
import { createLocalBlocks } from '../../../src/transport/http/local-blocks';
import { createRequestAdmissions, type VerifiedRequest } from '../../../src/transport/http/request-admission';
import { createRequestLimiter } from '../../../src/transport/http/request-limits';
import { silentLogger } from '../../helpers/logger';

const CREATED_MS = 1_700_000_000_000;
// The embedded server's nonce: held until created + max age (30 s) + skew (5 s).
const RETENTION_MS = 35_000;

function setup() {
  const clock = { now: CREATED_MS };
  const rateLimits = createMemoryRateLimitStore();
  const nonces = createMemoryNonceStore({ now: () => clock.now, completeSinceMs: 0 });
  const inner = createSequentialAdmissionStore({ rateLimits, nonces, idempotency: createMemoryIdempotencyStore({ completeSinceMs: 0 }) });
  const calls: AdmissionCheck[][] = [];
  const store = { admit: (checks: readonly AdmissionCheck[]) => { calls.push([...checks]); return inner.admit(checks); } };
  const blocks = createLocalBlocks();
  const metrics = createMetrics();
  const admissions = createRequestAdmissions({
    store, nonces, metrics, logger: silentLogger, now: () => clock.now, usage: { record: () => undefined, flush: async () => undefined, close: async () => undefined },
    limiter: createRequestLimiter({ store: rateLimits, fallback: createMemoryRateLimitStore(), metrics, logger: silentLogger, blocks }),
    guard: createAuthFailureGuard(rateLimits, blocks),
  });
  /** The captured request as the verifier hands it over when it checks it at `checkedAtMs`. */
  const verified = (checkedAtMs: number): VerifiedRequest => ({
    requestId: `r-${checkedAtMs}`, source: '192.0.2.1', keyId: 'key_0123456789abcdef01234567', accountId: 'acct-1', nonce: 'captured-nonce-0001',
    nonceTtlMs: CREATED_MS + RETENTION_MS - checkedAtMs, notBeforeMs: CREATED_MS - 5_000, createdMs: CREATED_MS, claimByMs: CREATED_MS + RETENTION_MS,
  });
  const refusalOf = (admitted: Promise<unknown>) => admitted.then(() => null, (error: unknown) => error);
  return { clock, calls, admissions, verified, refusalOf, metrics };
}

test('a replay checked at the end of its window, admitted after a stall past its nonce\'s retention, is refused: nothing is claimed, nothing runs', async () => {
  const { clock, calls, admissions, verified, refusalOf } = setup();
  await admissions(verified(CREATED_MS)).admit([]); // the first execution claims the nonce
  // The replay passes the signature check at its last fresh millisecond (created + max age)...
  const replay = admissions(verified(CREATED_MS + 30_000));
  // ...and the process stalls 6 s before its admission: the first claim has lapsed by then.
  clock.now = CREATED_MS + 36_000;
  const refusal = await refusalOf(replay.admit([]));
  expect(refusal).toBeInstanceOf(RequestRefusedError);
  expect(refusal).toMatchObject({ code: 'UNAUTHENTICATED', extensions: { reason: 'SIGNATURE_EXPIRED' } });
  expect(calls).toHaveLength(1); // the first request's admission only: the replay's claim was never sent
});

test('at the last millisecond before its nonce could have lapsed, the replay is still admitted to the store, which finds the nonce used', async () => {
  const { clock, calls, admissions, verified, refusalOf } = setup();
  await admissions(verified(CREATED_MS)).admit([]);
  const replay = admissions(verified(CREATED_MS + 30_000));
  clock.now = CREATED_MS + RETENTION_MS - 1;
  expect(await refusalOf(replay.admit([]))).toMatchObject({ extensions: { reason: 'NONCE_REUSED' } });
  expect(calls).toHaveLength(2);
});

test('a request that was never run before, admitted after the same stall, is refused too: the admission cannot tell it from a replay', async () => {
  const { clock, calls, admissions, verified, refusalOf, metrics } = setup();
  const late = admissions(verified(CREATED_MS + 30_000));
  clock.now = CREATED_MS + RETENTION_MS;
  expect(await refusalOf(late.admit([]))).toMatchObject({ extensions: { reason: 'SIGNATURE_EXPIRED' } });
  expect(calls).toHaveLength(0);
  expect(await metrics.registry.getSingleMetricAsString('signet_signature_checks_total')).toContain('outcome="SIGNATURE_EXPIRED"} 1');
});
