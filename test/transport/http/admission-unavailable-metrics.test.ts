/**
 * What an outage of the shared stores leaves for operators: a signed request refused with 503
 * because a store failed while it was checked is counted in
 * signet_signature_checks_total{outcome="UNAVAILABLE"} (an outage that stops trading shows in the
 * metrics they alert on, not only in /readyz and the logs), and each log line names its request.
 */
import { createMemoryRateLimitStore } from '@signet/rate-limit';
import { RequestRefusedError } from '../../../src/errors';
import { createMetrics } from '../../../src/metrics';
import { createAuthFailureGuard } from '../../../src/transport/http/auth-failure-guard';
import { createLocalBlocks } from '../../../src/transport/http/local-blocks';
import { SIGNATURE_CHECK_UNAVAILABLE, createRequestAdmissions } from '../../../src/transport/http/request-admission';
import { createRequestLimiter } from '../../../src/transport/http/request-limits';
import { captureLogger, silentLogger } from '../../helpers/logger';
import { memoryStores, openSigningAccount, signedRequest, startSignet } from '../../helpers/signet-server';

test('an admission whose store is down is refused with 503 and counted as UNAVAILABLE', async () => {
  const rateLimits = createMemoryRateLimitStore();
  const blocks = createLocalBlocks();
  const metrics = createMetrics();
  const admissions = createRequestAdmissions({
    store: { admit: async () => { throw new Error('connection refused'); } }, nonces: { supersede: async () => undefined },
    metrics, logger: silentLogger, now: Date.now, usage: { record: () => undefined, flush: async () => undefined, close: async () => undefined },
    limiter: createRequestLimiter({ store: rateLimits, fallback: createMemoryRateLimitStore(), metrics, logger: silentLogger, blocks }),
    guard: createAuthFailureGuard(rateLimits, blocks),
  });
  const refusal = await admissions({
    requestId: 'r1', source: '192.0.2.1', keyId: 'key_0123456789abcdef01234567', accountId: 'acct-1', nonce: 'n-unavailable-0001',
    nonceTtlMs: 35_000, notBeforeMs: Date.now() - 5_000, createdMs: Date.now(), claimByMs: Date.now() + 35_000,
  }).admit([]).then(() => null, (error: unknown) => error);
  expect(refusal).toBeInstanceOf(RequestRefusedError);
  expect((refusal as RequestRefusedError).extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryAfter: 1 });
  const counted = (await metrics.signatureChecks.get()).values.filter((v) => v.labels.outcome === SIGNATURE_CHECK_UNAVAILABLE);
  expect(counted.map((v) => v.value)).toEqual([1]);
});

test('a signed request whose key lookup fails is refused with 503 and counted as UNAVAILABLE', async () => {
  const account = await openSigningAccount({ USD: '10' }, 'unavailable-metrics');
  // The key store (the database) fails while the signature is checked.
  jest.spyOn(account.services.apiKeys, 'loadVerificationMaterial').mockRejectedValue(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
  const server = await startSignet(account.services, memoryStores());
  try {
    const answer = await signedRequest(server, account.key, { query: '{ me { id } }' });
    expect(answer.status).toBe(503);
    expect(answer.json.errors[0].extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
    const counted = (await server.metrics.signatureChecks.get()).values.filter((v) => v.labels.outcome === SIGNATURE_CHECK_UNAVAILABLE);
    expect(counted.map((v) => v.value)).toEqual([1]);
  } finally {
    await server.close();
    await account.db.close();
  }
});

test('the per-IP limit falling back to the local limiter logs the request it happened to', async () => {
  const log = captureLogger();
  const rateLimits = createMemoryRateLimitStore();
  const limiter = createRequestLimiter({
    store: { consume: async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:6379'); } } as never,
    fallback: rateLimits, metrics: createMetrics(), logger: log.logger, blocks: createLocalBlocks(),
  });
  await limiter.countIp({ id: 'req-7', clientLimitKey: '192.0.2.7' } as never);
  expect(log.lines().filter((l) => l.msg === 'rate-limit store unavailable; using the local limiter').map((l) => l.reqId)).toEqual(['req-7']);
});
