/**
 * The AdmissionStore contract (STYLE rule 4): every adapter runs these same cases, next to the
 * single-purpose stores whose keys it shares (a field checked in an admission and the same field
 * checked by its directive must spend one counter).
 */
import { randomBytes } from 'node:crypto';
import type { IdempotencyStore } from '@signet/idempotency';
import type { RateLimitStore } from '@signet/rate-limit';
import type { AdmissionCheck, AdmissionStore } from '../../src/transport/admission';
import type { NonceStore } from '@signet/http-message-signatures';
import type { KeyVersionStore } from '../../src/domain';

/** What an adapter's test gives the contract: the admission store and the stores it shares keys with. */
export interface AdmissionStoreHarness {
  admission: AdmissionStore;
  rateLimits: RateLimitStore;
  nonces: NonceStore;
  idempotency: IdempotencyStore;
  keyVersions: KeyVersionStore;
}

const fresh = (label: string) => `${label}-${randomBytes(6).toString('hex')}`;
const MINUTE = 60_000;

/** A nonce claim of a signature made just now. */
const justSigned = () => ({ ttlMs: 35_000, notBeforeMs: Date.now(), createdMs: Date.now() });

/** The gates of a signed request, with the server's key layout (hash tags: key id, address, account), on fresh ids. */
function requestGates(ids: { ip: string; key: string; account: string; nonce: string }, ipMax = 100, notBeforeMs = Date.now()): AdmissionCheck[] {
  return [
    { kind: 'nonce', keyId: ids.key, nonce: ids.nonce, ttlMs: 35_000, notBeforeMs, createdMs: notBeforeMs },
    { kind: 'limit', key: `ip:{${ids.ip}}`, rule: { max: ipMax, windowMs: MINUTE }, gate: true },
    { kind: 'blocked', key: `authfail:ip:{${ids.ip}}`, rule: { max: 3, windowMs: MINUTE } },
    { kind: 'limit', key: `account:{${ids.account}}`, rule: { max: 100, windowMs: MINUTE }, gate: true },
  ];
}

function freshIds() {
  return { ip: fresh('ip'), key: fresh('key'), account: fresh('acct'), nonce: fresh('nonce') };
}

/** Defines the contract suite for one adapter; `makeHarness` is called before each case. */
export function defineAdmissionStoreContract(name: string, makeHarness: () => AdmissionStoreHarness | Promise<AdmissionStoreHarness>): void {
  describe(`${name} (AdmissionStore contract)`, () => {
    let h: AdmissionStoreHarness;
    beforeEach(async () => {
      h = await makeHarness();
      await h.nonces.open();
    });

    it('answers an empty list with nothing', async () => {
      await expect(h.admission.admit([])).resolves.toEqual([]);
    });

    it('passes a keyVersion check whose expected version is the key\'s current one, and goes on', async () => {
      const ids = freshIds();
      const version = await h.keyVersions.current(ids.key);
      const [nonce, ...rest] = requestGates(ids);
      const outcomes = await h.admission.admit([nonce, { kind: 'keyVersion', keyId: ids.key, expected: version }, ...rest]);
      expect(outcomes.map((o) => o.kind)).toEqual(['nonce', 'keyVersion', 'limit', 'blocked', 'limit']);
      expect(outcomes[1]).toEqual({ kind: 'keyVersion', current: version });
    });

    it('stops the list at a stale keyVersion (after the nonce claim), answering the current version', async () => {
      const ids = freshIds();
      const before = await h.keyVersions.current(ids.key);
      await h.keyVersions.renew(ids.key);
      const [nonce, ...rest] = requestGates(ids);
      const outcomes = await h.admission.admit([nonce, { kind: 'keyVersion', keyId: ids.key, expected: before }, ...rest]);
      const current = await h.keyVersions.current(ids.key);
      expect(current).not.toBe(before);
      expect(outcomes).toEqual([{ kind: 'nonce', claim: { status: 'claimed' } }, { kind: 'keyVersion', current }, { kind: 'skipped' }, { kind: 'skipped' }, { kind: 'skipped' }]);
      // Nothing after it was spent: the account's budget is whole.
      await expect(h.rateLimits.peek(`account:{${ids.account}}`, { max: 100, windowMs: MINUTE })).resolves.toMatchObject({ remaining: 100 });
    });

    it('gives a key without a version a fresh one in the check, the same the store then answers', async () => {
      const ids = freshIds();
      const [outcome] = await h.admission.admit([{ kind: 'keyVersion', keyId: ids.key, expected: 'never-issued' }]);
      expect(outcome.kind).toBe('keyVersion');
      const current = outcome.kind === 'keyVersion' ? outcome.current : '';
      expect(current).not.toBe('never-issued');
      expect(current.length).toBeGreaterThanOrEqual(16);
      await expect(h.keyVersions.current(ids.key)).resolves.toBe(current);
    });

    it('runs every check of an admitted request, in order, and takes the lease with a token', async () => {
      const ids = freshIds();
      const scope = `${ids.account}:placeOrder:${fresh('k')}`;
      const outcomes = await h.admission.admit([
        ...requestGates(ids),
        { kind: 'limit', key: `field:P:account:{${ids.account}}`, rule: { max: 5, windowMs: MINUTE }, gate: false },
        { kind: 'lease', scopeKey: scope, fingerprint: 'fp-1', leaseMs: 10_000, after: 4 },
      ]);
      expect(outcomes.map((o) => o.kind)).toEqual(['nonce', 'limit', 'blocked', 'limit', 'limit', 'lease']);
      expect(outcomes[0]).toEqual({ kind: 'nonce', claim: { status: 'claimed' } });
      expect(outcomes[1]).toMatchObject({ decision: { allowed: true, remaining: 99 } });
      expect(outcomes[2]).toMatchObject({ decision: { allowed: true, remaining: 3 } });
      expect(outcomes[4]).toMatchObject({ decision: { allowed: true, limit: 5, remaining: 4 } });
      const lease = outcomes[5];
      expect(lease.kind === 'lease' && lease.claim.kind === 'acquired' && lease.claim.token.length > 0).toBe(true);
      // The lease is the idempotency store's: a duplicate there sees it in progress, and the token completes it.
      await expect(h.idempotency.claim(scope, 'fp-1', 10_000)).resolves.toMatchObject({ kind: 'in_progress' });
      if (lease.kind === 'lease' && lease.claim.kind === 'acquired') {
        await expect(h.idempotency.complete(scope, lease.claim.token, 'fp-1', '{"done":1}', MINUTE)).resolves.toBe(true);
      }
      await expect(h.idempotency.claim(scope, 'fp-1', 10_000)).resolves.toEqual({ kind: 'completed', outcome: '{"done":1}' });
      // The lease says since when the idempotency store's view is complete: the store's own marker.
      const own = await h.idempotency.claim(`${scope}-other`, 'fp-1', 10_000);
      expect(own).toMatchObject({ kind: 'acquired', completeSinceMs: expect.any(Number) });
      expect(lease.kind === 'lease' && lease.claim.kind === 'acquired' && lease.claim.completeSinceMs).toBe((own as { completeSinceMs: number }).completeSinceMs);
    });

    it('a replayed nonce stops the list: nothing after it is spent or taken', async () => {
      const ids = freshIds();
      const scope = fresh('scope');
      const list = [...requestGates(ids), { kind: 'lease', scopeKey: scope, fingerprint: 'fp', leaseMs: 10_000 } as AdmissionCheck];
      const first = await h.admission.admit(list);
      const lease = first[4];
      if (lease.kind === 'lease' && lease.claim.kind === 'acquired') await h.idempotency.release(scope, lease.claim.token);
      const replay = await h.admission.admit(list);
      expect(replay[0]).toEqual({ kind: 'nonce', claim: { status: 'reused' } });
      expect(replay.slice(1)).toEqual([{ kind: 'skipped' }, { kind: 'skipped' }, { kind: 'skipped' }, { kind: 'skipped' }]);
      // The address and the account spent one call (the first request), not two; the lease was not taken again.
      await expect(h.rateLimits.peek(`ip:{${ids.ip}}`, { max: 100, windowMs: MINUTE })).resolves.toMatchObject({ remaining: 99 });
      await expect(h.rateLimits.peek(`account:{${ids.account}}`, { max: 100, windowMs: MINUTE })).resolves.toMatchObject({ remaining: 99 });
      await expect(h.idempotency.claim(scope, 'fp', 10_000)).resolves.toMatchObject({ kind: 'acquired' });
    });

    it('a nonce the store cannot prove unseen stops the list, and is not claimed', async () => {
      const ids = freshIds();
      const outcomes = await h.admission.admit(requestGates(ids, 100, Date.now() - 3_600_000));
      expect(outcomes[0]).toMatchObject({ kind: 'nonce', claim: { status: 'unproven' } });
      expect(outcomes.slice(1).every((o) => o.kind === 'skipped')).toBe(true);
      await expect(h.rateLimits.peek(`ip:{${ids.ip}}`, { max: 100, windowMs: MINUTE })).resolves.toMatchObject({ remaining: 100 });
      await expect(h.nonces.claim(ids.key, ids.nonce, justSigned())).resolves.toEqual({ status: 'claimed' });
    });

    it('a nonce at or before its key\'s floor stops the list, unless the claim answers to another floor; it shares the nonce store\'s floor', async () => {
      const ids = freshIds();
      const createdMs = Date.now();
      await h.nonces.supersede(ids.key, fresh('refused'), { createdMs, ttlMs: 35_000 });
      const refused = await h.admission.admit(requestGates(ids, 100, createdMs));
      expect(refused[0]).toEqual({ kind: 'nonce', claim: { status: 'superseded', upToMs: createdMs } });
      expect(refused.slice(1).every((o) => o.kind === 'skipped')).toBe(true);
      await expect(h.rateLimits.peek(`ip:{${ids.ip}}`, { max: 100, windowMs: MINUTE })).resolves.toMatchObject({ remaining: 100 });
      // The same nonce in a claim answering to the key's exit floor (an exit) is admitted, once.
      const [nonce, ...rest] = requestGates(ids, 100, createdMs);
      const exempt = [{ ...nonce, floor: 'exit' } as AdmissionCheck, ...rest];
      expect((await h.admission.admit(exempt))[0]).toEqual({ kind: 'nonce', claim: { status: 'claimed' } });
      expect((await h.admission.admit(exempt))[0]).toEqual({ kind: 'nonce', claim: { status: 'reused' } });
      // A signature of the next second is past the floor.
      const later = await h.admission.admit(requestGates({ ...ids, nonce: fresh('n') }, 100, createdMs + 1_000));
      expect(later[0]).toEqual({ kind: 'nonce', claim: { status: 'claimed' } });
    });

    it('an address over its limit stops the list after the nonce, which is used up: the same bytes never pass later', async () => {
      const ids = freshIds();
      await h.admission.admit(requestGates({ ...ids, nonce: fresh('n') }, 1));
      const refused = await h.admission.admit(requestGates(ids, 1));
      expect(refused[0]).toEqual({ kind: 'nonce', claim: { status: 'claimed' } });
      expect(refused[1]).toMatchObject({ kind: 'limit', decision: { allowed: false, limit: 1 } });
      expect(refused[1].kind === 'limit' && refused[1].decision.retryAfterMs > 0).toBe(true);
      expect(refused.slice(2).every((o) => o.kind === 'skipped')).toBe(true);
      await expect(h.nonces.claim(ids.key, ids.nonce, justSigned())).resolves.toEqual({ status: 'reused' });
      // From another address, inside its own budget: the replay is still refused, at the nonce.
      const elsewhere = await h.admission.admit(requestGates({ ...ids, ip: fresh('ip') }, 1));
      expect(elsewhere[0]).toEqual({ kind: 'nonce', claim: { status: 'reused' } });
    });

    it('a source over its failed-signature budget is blocked, and the guard counter is only read', async () => {
      const ids = freshIds();
      for (let i = 0; i < 3; i += 1) await h.rateLimits.consume(`authfail:ip:{${ids.ip}}`, { max: 3, windowMs: MINUTE, countRejected: false });
      const outcomes = await h.admission.admit(requestGates(ids));
      expect(outcomes[2]).toMatchObject({ kind: 'blocked', decision: { allowed: false, remaining: 0 } });
      expect(outcomes.slice(3).every((o) => o.kind === 'skipped')).toBe(true);
      await expect(h.rateLimits.peek(`authfail:ip:{${ids.ip}}`, { max: 3, windowMs: MINUTE })).resolves.toMatchObject({ remaining: 0, allowed: false });
      await expect(h.nonces.claim(ids.key, ids.nonce, justSigned())).resolves.toEqual({ status: 'reused' });
    });

    it('a field over its limit skips only its own lease; the other fields still run', async () => {
      const account = fresh('acct');
      const [scopeA, scopeB] = [fresh('a'), fresh('b')];
      const field = (key: string, max: number): AdmissionCheck => ({ kind: 'limit', key, rule: { max, windowMs: MINUTE }, gate: false });
      await h.rateLimits.consume(`field:A:${account}`, { max: 1, windowMs: MINUTE });
      const outcomes = await h.admission.admit([
        field(`field:A:${account}`, 1),
        { kind: 'lease', scopeKey: scopeA, fingerprint: 'fa', leaseMs: 10_000, after: 0 },
        field(`field:B:${account}`, 1),
        { kind: 'lease', scopeKey: scopeB, fingerprint: 'fb', leaseMs: 10_000, after: 2 },
      ]);
      expect(outcomes[0]).toMatchObject({ kind: 'limit', decision: { allowed: false } });
      expect(outcomes[1]).toEqual({ kind: 'skipped' });
      expect(outcomes[2]).toMatchObject({ kind: 'limit', decision: { allowed: true } });
      expect(outcomes[3]).toMatchObject({ kind: 'lease', claim: { kind: 'acquired' } });
      await expect(h.idempotency.claim(scopeA, 'fa', 10_000)).resolves.toMatchObject({ kind: 'acquired' });
    });

    it('behind a field limit that refused the call, a key completed with the same arguments is answered completed (a replay), and nothing is taken', async () => {
      const account = fresh('acct');
      const scope = `${account}:createTransfer:${fresh('k')}`;
      const limit: AdmissionCheck = { kind: 'limit', key: `field:T:${account}`, rule: { max: 1, windowMs: MINUTE }, gate: false };
      // The lost call: it spent the field's last call of the window and completed under its key.
      const first = await h.admission.admit([limit, { kind: 'lease', scopeKey: scope, fingerprint: 'fp', leaseMs: 10_000, after: 0 }]);
      const lease = first[1];
      if (lease.kind !== 'lease' || lease.claim.kind !== 'acquired') throw new Error(`expected an acquired lease, got ${JSON.stringify(lease)}`);
      await h.idempotency.complete(scope, lease.claim.token, 'fp', 'outcome-1', MINUTE);
      // Its retry, with the same key and arguments, behind the spent limit.
      const retry = await h.admission.admit([limit, { kind: 'lease', scopeKey: scope, fingerprint: 'fp', leaseMs: 10_000, after: 0 }]);
      expect(retry[0]).toMatchObject({ kind: 'limit', decision: { allowed: false, remaining: 0 } });
      expect(retry[1]).toEqual({ kind: 'lease', claim: { kind: 'completed', outcome: 'outcome-1' } });
      await expect(h.idempotency.claim(scope, 'fp', 10_000)).resolves.toEqual({ kind: 'completed', outcome: 'outcome-1' });
    });

    it('behind a field limit that refused the call, a key in progress, unknown or used with other arguments is skipped and takes nothing', async () => {
      const account = fresh('acct');
      const limitKey = `field:T:${account}`;
      await h.rateLimits.consume(limitKey, { max: 1, windowMs: MINUTE });
      const [held, unknown, used] = [fresh('held'), fresh('unknown'), fresh('used')];
      const holder = await h.idempotency.claim(held, 'fp', 10_000);
      const user = await h.idempotency.claim(used, 'fp', 10_000);
      if (holder.kind !== 'acquired' || user.kind !== 'acquired') throw new Error('expected two acquired leases');
      await h.idempotency.complete(used, user.token, 'fp', 'outcome-used', MINUTE);
      const limit: AdmissionCheck = { kind: 'limit', key: limitKey, rule: { max: 1, windowMs: MINUTE }, gate: false };
      const outcomes = await h.admission.admit([
        limit, { kind: 'lease', scopeKey: held, fingerprint: 'fp', leaseMs: 10_000, after: 0 },
        limit, { kind: 'lease', scopeKey: unknown, fingerprint: 'fp', leaseMs: 10_000, after: 2 },
        limit, { kind: 'lease', scopeKey: used, fingerprint: 'other', leaseMs: 10_000, after: 4 },
      ]);
      expect(outcomes.filter((o) => o.kind === 'limit').every((o) => o.kind === 'limit' && !o.decision.allowed)).toBe(true);
      expect([outcomes[1], outcomes[3], outcomes[5]]).toEqual([{ kind: 'skipped' }, { kind: 'skipped' }, { kind: 'skipped' }]);
      // The holder still owns its lease, the unknown key is free, the used one keeps its outcome.
      await expect(h.idempotency.release(held, holder.token)).resolves.toBe(true);
      await expect(h.idempotency.claim(unknown, 'fp', 10_000)).resolves.toMatchObject({ kind: 'acquired' });
      await expect(h.idempotency.claim(used, 'fp', 10_000)).resolves.toEqual({ kind: 'completed', outcome: 'outcome-used' });
    });

    it('a refused gate stops the list before a completed key: it is not looked at', async () => {
      const ids = freshIds();
      const scope = fresh('scope');
      await h.idempotency.remember(scope, 'fp', 'outcome-1', MINUTE);
      await h.admission.admit(requestGates({ ...ids, nonce: fresh('n') }, 1));
      const outcomes = await h.admission.admit([...requestGates(ids, 1), { kind: 'lease', scopeKey: scope, fingerprint: 'fp', leaseMs: 10_000 }]);
      expect(outcomes[1]).toMatchObject({ kind: 'limit', decision: { allowed: false } });
      expect(outcomes[4]).toEqual({ kind: 'skipped' });
    });

    it('answers a lease held, completed or used with other arguments like the idempotency store', async () => {
      const scope = fresh('scope');
      const held = await h.idempotency.claim(scope, 'fp', 10_000);
      const lease = (fingerprint: string): AdmissionCheck[] => [{ kind: 'lease', scopeKey: scope, fingerprint, leaseMs: 10_000 }];
      const [inProgress] = await h.admission.admit(lease('fp'));
      expect(inProgress).toMatchObject({ kind: 'lease', claim: { kind: 'in_progress' } });
      expect(inProgress.kind === 'lease' && inProgress.claim.kind === 'in_progress' && inProgress.claim.retryAfterMs > 0).toBe(true);
      await expect(h.admission.admit(lease('other'))).resolves.toEqual([{ kind: 'lease', claim: { kind: 'mismatch' } }]);
      if (held.kind === 'acquired') await h.idempotency.complete(scope, held.token, 'fp', 'outcome-1', MINUTE);
      await expect(h.admission.admit(lease('fp'))).resolves.toEqual([{ kind: 'lease', claim: { kind: 'completed', outcome: 'outcome-1' } }]);
    });

    it('under 40 concurrent admissions, admits exactly the limit and gives one lease', async () => {
      const account = fresh('acct');
      const scope = fresh('scope');
      const results = await Promise.all(Array.from({ length: 40 }, () => h.admission.admit([
        { kind: 'limit', key: `account:${account}`, rule: { max: 10, windowMs: MINUTE }, gate: true },
        { kind: 'lease', scopeKey: scope, fingerprint: 'fp', leaseMs: 10_000 },
      ])));
      expect(results.filter(([limit]) => limit.kind === 'limit' && limit.decision.allowed)).toHaveLength(10);
      expect(results.filter(([, lease]) => lease.kind === 'lease' && lease.claim.kind === 'acquired')).toHaveLength(1);
      expect(results.filter(([, lease]) => lease.kind === 'skipped')).toHaveLength(30);
    });

    it('rejects a list with an invalid rule or duration, like the single-purpose stores', async () => {
      await expect(h.admission.admit([{ kind: 'limit', key: fresh('k'), rule: { max: 0, windowMs: MINUTE }, gate: true }])).rejects.toThrow(RangeError);
      await expect(h.admission.admit([{ kind: 'lease', scopeKey: fresh('s'), fingerprint: 'f', leaseMs: 0 }])).rejects.toThrow(RangeError);
    });
  });
}
