/**
 * A request verified with cached key material whose version turned out stale, at the admission:
 * the key is reloaded under the version found; a revoked key is refused, a valid one runs the rest
 * of the list once, behind the new version, without claiming its nonce again.
 */
import { createMemoryIdempotencyStore } from '@signet/idempotency';
import { createMemoryNonceStore } from '@signet/http-message-signatures';
import { createMemoryRateLimitStore } from '@signet/rate-limit';
import { createMemoryKeyVersionStore, type ApiKey, type VerificationMaterial } from '../../../src/domain';
import { createMetrics } from '../../../src/metrics';
import { createSequentialAdmissionStore, type AdmissionCheck } from '../../../src/transport/admission';
import { createAuthFailureGuard } from '../../../src/transport/http/auth-failure-guard';
import { createLocalBlocks } from '../../../src/transport/http/local-blocks';
import { MAX_KEY_VERSION_RELOADS, createRequestAdmissions, type VerifiedRequest } from '../../../src/transport/http/request-admission';
import { createRequestLimiter } from '../../../src/transport/http/request-limits';
import { silentLogger } from '../../helpers/logger';

const KEY: ApiKey = {
  id: 'key_0123456789abcdef01234567', accountId: 'acct-1', label: 'k', scopes: ['READ'], algorithm: 'ed25519',
  publicKey: null, secretCiphertext: null, createdAt: new Date(0), lastUsedAt: null, revokedAt: null, createdByApiKeyId: null, revokedByApiKeyId: null,
};

function setup(reload: (version: string) => Promise<VerificationMaterial | null>, generation: () => number = () => 0) {
  const rateLimits = createMemoryRateLimitStore();
  const keyVersions = createMemoryKeyVersionStore();
  const nonces = createMemoryNonceStore({ completeSinceMs: 0 });
  const inner = createSequentialAdmissionStore({ rateLimits, nonces, idempotency: createMemoryIdempotencyStore({ completeSinceMs: 0 }), keyVersions });
  const calls: AdmissionCheck[][] = [];
  const store = { admit: (checks: readonly AdmissionCheck[]) => { calls.push([...checks]); return inner.admit(checks); } };
  const blocks = createLocalBlocks();
  const metrics = createMetrics();
  const reloads: string[] = [];
  const admissions = createRequestAdmissions({
    store, nonces, metrics, logger: silentLogger, now: Date.now, usage: { record: () => undefined, flush: async () => undefined, close: async () => undefined },
    limiter: createRequestLimiter({ store: rateLimits, fallback: createMemoryRateLimitStore(), metrics, logger: silentLogger, blocks }),
    guard: createAuthFailureGuard(rateLimits, blocks),
    apiKeys: { reloadVerificationMaterial: async (_id, version) => { reloads.push(version); return reload(version); }, keyCacheGeneration: generation },
  });
  const request = (keyVersion: string, extra: Partial<VerifiedRequest> = {}) => admissions({
    requestId: 'r1', source: '192.0.2.1', keyId: KEY.id, accountId: KEY.accountId, nonce: `n-${Math.random()}`, nonceTtlMs: 35_000, notBeforeMs: Date.now(), createdMs: Date.now(), claimByMs: Date.now() + 35_000, keyVersion, ...extra,
  });
  return { keyVersions, calls, reloads, request, rateLimits };
}

const material = (apiKey: ApiKey): VerificationMaterial => ({ apiKey, publicKey: null, secret: null });

describe('admission of a request verified with cached key material', () => {
  test('a current version: one call, the version checked right after the nonce', async () => {
    const { keyVersions, calls, reloads, request } = setup(async () => material(KEY));
    await expect(request(await keyVersions.current(KEY.id)).admit([])).resolves.toEqual([]);
    expect(calls.map((c) => c.map((check) => check.kind))).toEqual([['nonce', 'keyVersion', 'limit', 'blocked', 'limit']]);
    expect(reloads).toEqual([]);
  });

  test('a stale version of a key still valid: reloaded under the current version, then the rest of the list once, without the nonce', async () => {
    const { keyVersions, calls, reloads, request } = setup(async () => material(KEY));
    const stale = await keyVersions.current(KEY.id);
    await keyVersions.renew(KEY.id);
    const current = await keyVersions.current(KEY.id);
    const field: AdmissionCheck = { kind: 'limit', key: 'field:{acct-1}', rule: { max: 5, windowMs: 60_000 }, gate: false };
    const outcomes = await request(stale).admit([field, { kind: 'lease', scopeKey: 'acct-1:f:k1', fingerprint: 'fp', leaseMs: 10_000, after: 0 }]);
    expect(outcomes.map((o) => o.kind)).toEqual(['limit', 'lease']);
    expect(reloads).toEqual([current]);
    expect(calls.map((c) => c.map((check) => check.kind))).toEqual([
      ['nonce', 'keyVersion', 'limit', 'blocked', 'limit', 'limit', 'lease'],
      ['keyVersion', 'limit', 'blocked', 'limit', 'limit', 'lease'],
    ]);
    // The lease's `after` follows its limit in each list.
    expect(calls[1][5]).toMatchObject({ kind: 'lease', after: 4 });
    expect(calls[1][0]).toEqual({ kind: 'keyVersion', keyId: KEY.id, expected: current });
  });

  test('the key cache emptied during the admission (a Redis reconnect): a version current again is not trusted, the row is read again, and a revoked key is refused (review: in-flight requests across the reset)', async () => {
    let generation = 0;
    let revoked = false;
    const { keyVersions, reloads, request } = setup(async () => material({ ...KEY, revokedAt: revoked ? new Date() : null }), () => generation);
    // Stamped with a version that is current (Redis came back with it), material read before the reset.
    const version = await keyVersions.current(KEY.id);
    const admission = request(version, { keyCacheGeneration: 0 });
    revoked = true;
    generation = 1;
    await expect(admission.admit([])).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED', reason: 'SIGNATURE_INVALID' } });
    expect(reloads).toEqual([version]);
    // No reset: no read, whatever the row says (the version is the proof).
    const { keyVersions: quiet, reloads: none, request: unchanged } = setup(async () => material({ ...KEY, revokedAt: new Date() }), () => 3);
    await expect(unchanged(await quiet.current(KEY.id), { keyCacheGeneration: 3 }).admit([])).resolves.toEqual([]);
    expect(none).toEqual([]);
    // A reset with the key still valid: read once, and the request goes on.
    generation = 2;
    revoked = false;
    await expect(request(version, { keyCacheGeneration: 1 }).admit([])).resolves.toEqual([]);
  });

  test('a stale version of a key revoked meanwhile: 401 SIGNATURE_INVALID naming the failed-signature limit, nothing but the address spent', async () => {
    const { keyVersions, calls, request, rateLimits } = setup(async () => material({ ...KEY, revokedAt: new Date() }));
    const stale = await keyVersions.current(KEY.id);
    await keyVersions.renew(KEY.id);
    const admission = request(stale);
    const refused = await admission.admit([]).catch((error: unknown) => error);
    expect(refused).toMatchObject({ extensions: { code: 'UNAUTHENTICATED', reason: 'SIGNATURE_INVALID' } });
    // Counted as a failed signature, and named so beside the address's limit, which it owes and
    // is counted for in a second call (counted only as the answer left, it would replace the guard's fields).
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual([{ kind: 'limit', key: 'ip:{192.0.2.1}', rule: { max: 1200, windowMs: 60_000 }, gate: false }]);
    expect(admission.addressCounted).toBe(true);
    expect(admission.rateLimits.map((entry) => [entry.policy, entry.decision.remaining])).toEqual([['Request.ip', 1199], ['Request.failedSignatures', 29]]);
    await expect(rateLimits.peek('account:{acct-1}', { max: 10_000, windowMs: 60_000 })).resolves.toMatchObject({ remaining: 10_000 });
  });

  // A request let through the per-IP hook uncounted holds back its address's next window until
  // its count lands (address-allowance.ts); it was once released only as its answer was sent.
  test('the address\'s count, once landed, ends the request\'s uncounted pass: once, also after a reload', async () => {
    const { keyVersions, request } = setup(async () => material(KEY));
    let ended = 0;
    await request(await keyVersions.current(KEY.id), { onAddressCounted: () => { ended += 1; } }).admit([]);
    expect(ended).toBe(1);
    const stale = await keyVersions.current(KEY.id);
    await keyVersions.renew(KEY.id);
    await request(stale, { onAddressCounted: () => { ended += 1; } }).admit([]);
    expect(ended).toBe(2);
  });

  test('a request counted before its body: the admission leaves the address out', async () => {
    const { keyVersions, calls, request } = setup(async () => material(KEY));
    let ended = 0;
    await request(await keyVersions.current(KEY.id), { addressCounted: true, onAddressCounted: () => { ended += 1; } }).admit([]);
    expect(calls.map((c) => c.map((check) => check.kind))).toEqual([['nonce', 'keyVersion', 'blocked', 'limit']]);
    expect(calls[0][3]).toMatchObject({ key: 'account:{acct-1}' });
    expect(ended).toBe(0);
  });

  test('a key gone, or now of another account, is refused alike', async () => {
    for (const reloaded of [null, material({ ...KEY, accountId: 'acct-2' })]) {
      const { keyVersions, request } = setup(async () => reloaded);
      const stale = await keyVersions.current(KEY.id);
      await keyVersions.renew(KEY.id);
      await expect(request(stale).admit([])).rejects.toMatchObject({ extensions: { reason: 'SIGNATURE_INVALID' } });
    }
  });

  test(`a version that keeps changing: 503 after ${MAX_KEY_VERSION_RELOADS} reloads; the key store failing: 503`, async () => {
    const churn = setup(async () => {
      await churn.keyVersions.renew(KEY.id);
      return material(KEY);
    });
    await expect(churn.request('stale').admit([])).rejects.toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE' } });
    expect(churn.reloads).toHaveLength(MAX_KEY_VERSION_RELOADS);
    const down = setup(async () => { throw new Error('database down'); });
    await expect(down.request('stale').admit([])).rejects.toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE' } });
  });
});
