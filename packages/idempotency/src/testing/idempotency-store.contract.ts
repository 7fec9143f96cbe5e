import type { ClaimResult, IdempotencyStore } from '../idempotency-store';

/**
 * The one contract every IdempotencyStore adapter must satisfy. Adapter test
 * files call `defineIdempotencyStoreContract` with a factory; adapter-specific behaviour (memory
 * bounds, Redis key layout) is tested next to the adapter.
 */

/** A fresh store for one test, and a way to let time pass for it. */
export interface IdempotencyStoreHarness {
  store: IdempotencyStore;
  /** Lets `ms` of store time pass: the memory adapter moves its injected clock, Redis really waits. */
  advance(ms: number): Promise<void>;
  /** Releases what the factory created (timers); connections shared by a suite are closed by it. */
  close?(): Promise<void> | void;
}

/** Tuning of the contract for an adapter. */
export interface IdempotencyStoreContractOptions {
  /** Lease and retention used by the expiry cases. Redis waits it out for real: short, but longer than a stall of the test process between two round trips (1 s). */
  shortLeaseMs: number;
}

const LONG_LEASE_MS = 10_000;
const RETENTION_MS = 60_000;
const FP = 'sha256:aaaa';
const OTHER_FP = 'sha256:bbbb';

/** Narrows a claim to `acquired` and returns its token, failing the test with the actual result otherwise. */
function tokenOf(result: ClaimResult): string {
  expect(result).toEqual({ kind: 'acquired', token: expect.any(String), completeSinceMs: expect.any(Number) });
  return (result as { token: string }).token;
}

/** Registers the contract cases for one adapter. */
export function defineIdempotencyStoreContract(
  name: string,
  makeStore: () => IdempotencyStoreHarness | Promise<IdempotencyStoreHarness>,
  opts: IdempotencyStoreContractOptions,
): void {
  describe(`${name} IdempotencyStore contract`, () => {
    let harness: IdempotencyStoreHarness;
    let store: IdempotencyStore;
    let counter = 0;
    // Unique per test and per run, so adapters sharing a server never see each other's scopes.
    const runId = `${process.pid}-${Date.now().toString(36)}`;
    const newScope = (): string => `acct-${runId}:placeOrder:key-${++counter}`;
    const expiry = opts.shortLeaseMs + Math.max(50, Math.ceil(opts.shortLeaseMs / 3));

    beforeEach(async () => {
      harness = await makeStore();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.close?.();
    });

    it('the first claim acquires the scope with a token', async () => {
      expect(tokenOf(await store.claim(newScope(), FP, LONG_LEASE_MS))).not.toBe('');
    });

    it('an acquired claim says since when the store has seen every claim, and that instant holds while it keeps its data', async () => {
      const first = await store.claim(newScope(), FP, LONG_LEASE_MS);
      const second = await store.claim(newScope(), OTHER_FP, LONG_LEASE_MS);
      tokenOf(first);
      tokenOf(second);
      const since = (first as { completeSinceMs: number }).completeSinceMs;
      expect(Number.isFinite(since)).toBe(true);
      expect((second as { completeSinceMs: number }).completeSinceMs).toBe(since);
    });

    it('a duplicate while the first is executing is told to retry within the lease', async () => {
      const scope = newScope();
      tokenOf(await store.claim(scope, FP, LONG_LEASE_MS));
      const second = await store.claim(scope, FP, LONG_LEASE_MS);
      expect(second.kind).toBe('in_progress');
      const { retryAfterMs } = second as { retryAfterMs: number };
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(retryAfterMs).toBeLessThanOrEqual(LONG_LEASE_MS);
    });

    it('after completion the same request replays the stored outcome, every time', async () => {
      const scope = newScope();
      const outcome = JSON.stringify({ data: { placeOrder: { id: 'ord-1', note: 'ünïcødé ✓' } } });
      const token = tokenOf(await store.claim(scope, FP, LONG_LEASE_MS));
      expect(await store.complete(scope, token, FP, outcome, RETENTION_MS)).toBe(true);
      expect(await store.claim(scope, FP, LONG_LEASE_MS)).toEqual({ kind: 'completed', outcome });
      expect(await store.claim(scope, FP, LONG_LEASE_MS)).toEqual({ kind: 'completed', outcome });
    });

    it('the same key with other arguments is a mismatch while the first is executing', async () => {
      const scope = newScope();
      tokenOf(await store.claim(scope, FP, LONG_LEASE_MS));
      expect(await store.claim(scope, OTHER_FP, LONG_LEASE_MS)).toEqual({ kind: 'mismatch' });
    });

    it('the same key with other arguments is a mismatch after completion', async () => {
      const scope = newScope();
      const token = tokenOf(await store.claim(scope, FP, LONG_LEASE_MS));
      await store.complete(scope, token, FP, '{"ok":true}', RETENTION_MS);
      expect(await store.claim(scope, OTHER_FP, LONG_LEASE_MS)).toEqual({ kind: 'mismatch' });
    });

    it('a released claim lets the next request acquire the scope', async () => {
      const scope = newScope();
      const first = tokenOf(await store.claim(scope, FP, LONG_LEASE_MS));
      expect(await store.release(scope, first)).toBe(true);
      const second = tokenOf(await store.claim(scope, OTHER_FP, LONG_LEASE_MS));
      expect(second).not.toBe(first);
    });

    it('a token is spent once: completing or releasing twice does nothing', async () => {
      const scope = newScope();
      const token = tokenOf(await store.claim(scope, FP, LONG_LEASE_MS));
      expect(await store.complete(scope, token, FP, '"first"', RETENTION_MS)).toBe(true);
      expect(await store.complete(scope, token, FP, '"second"', RETENTION_MS)).toBe(false);
      expect(await store.release(scope, token)).toBe(false);
      expect(await store.claim(scope, FP, LONG_LEASE_MS)).toEqual({ kind: 'completed', outcome: '"first"' });
    });

    it('completing with another fingerprint than the claim stores nothing', async () => {
      const scope = newScope();
      const token = tokenOf(await store.claim(scope, FP, LONG_LEASE_MS));
      expect(await store.complete(scope, token, OTHER_FP, '"x"', RETENTION_MS)).toBe(false);
      expect((await store.claim(scope, FP, LONG_LEASE_MS)).kind).toBe('in_progress');
    });

    it('a stale token cannot complete or release a lease someone else re-acquired', async () => {
      const scope = newScope();
      const stale = tokenOf(await store.claim(scope, FP, opts.shortLeaseMs));
      await harness.advance(expiry);
      const current = tokenOf(await store.claim(scope, FP, LONG_LEASE_MS));
      expect(await store.complete(scope, stale, FP, '"stale"', RETENTION_MS)).toBe(false);
      expect(await store.release(scope, stale)).toBe(false);
      expect((await store.claim(scope, FP, LONG_LEASE_MS)).kind).toBe('in_progress');
      expect(await store.complete(scope, current, FP, '"current"', RETENTION_MS)).toBe(true);
      expect(await store.claim(scope, FP, LONG_LEASE_MS)).toEqual({ kind: 'completed', outcome: '"current"' });
    });

    it('an abandoned claim expires after its lease and the scope can be acquired again', async () => {
      const scope = newScope();
      tokenOf(await store.claim(scope, FP, opts.shortLeaseMs));
      expect((await store.claim(scope, FP, opts.shortLeaseMs)).kind).toBe('in_progress');
      await harness.advance(expiry);
      tokenOf(await store.claim(scope, FP, opts.shortLeaseMs));
    });

    it('a completed outcome is forgotten after its retention TTL', async () => {
      const scope = newScope();
      const token = tokenOf(await store.claim(scope, FP, LONG_LEASE_MS));
      await store.complete(scope, token, FP, '"done"', opts.shortLeaseMs);
      expect((await store.claim(scope, FP, LONG_LEASE_MS)).kind).toBe('completed');
      await harness.advance(expiry);
      tokenOf(await store.claim(scope, OTHER_FP, LONG_LEASE_MS));
    });

    it('of 50 concurrent claims exactly one acquires and the other 49 are in progress', async () => {
      const scope = newScope();
      const results = await Promise.all(Array.from({ length: 50 }, () => store.claim(scope, FP, LONG_LEASE_MS)));
      const kinds = results.map((r) => r.kind);
      expect(kinds.filter((k) => k === 'acquired')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'in_progress')).toHaveLength(49);
    });

    it('remember makes a later claim replay the durable outcome', async () => {
      const scope = newScope();
      await store.remember(scope, FP, '{"replayed":true}', RETENTION_MS);
      expect(await store.claim(scope, FP, LONG_LEASE_MS)).toEqual({ kind: 'completed', outcome: '{"replayed":true}' });
      expect(await store.claim(scope, OTHER_FP, LONG_LEASE_MS)).toEqual({ kind: 'mismatch' });
    });

    it('remember overrides a lease, so the lease holder can no longer complete', async () => {
      const scope = newScope();
      const token = tokenOf(await store.claim(scope, FP, LONG_LEASE_MS));
      await store.remember(scope, FP, '"durable"', RETENTION_MS);
      expect(await store.complete(scope, token, FP, '"cache"', RETENTION_MS)).toBe(false);
      expect(await store.claim(scope, FP, LONG_LEASE_MS)).toEqual({ kind: 'completed', outcome: '"durable"' });
    });

    it('peekCompleted answers only an outcome completed with the same fingerprint, and takes nothing', async () => {
      const scope = newScope();
      expect(await store.peekCompleted(scope, FP)).toBeUndefined();
      // Looking at a free scope left it free; looking at a lease leaves it its holder's.
      const token = tokenOf(await store.claim(scope, FP, LONG_LEASE_MS));
      expect(await store.peekCompleted(scope, FP)).toBeUndefined();
      expect((await store.claim(scope, FP, LONG_LEASE_MS)).kind).toBe('in_progress');
      expect(await store.complete(scope, token, FP, '"done"', RETENTION_MS)).toBe(true);
      expect(await store.peekCompleted(scope, FP)).toBe('"done"');
      expect(await store.peekCompleted(scope, OTHER_FP)).toBeUndefined();
      expect(await store.claim(scope, FP, LONG_LEASE_MS)).toEqual({ kind: 'completed', outcome: '"done"' });
    });

    it('peekCompleted answers a remembered outcome until its retention ends', async () => {
      const scope = newScope();
      await store.remember(scope, FP, '{"replayed":true}', opts.shortLeaseMs);
      expect(await store.peekCompleted(scope, FP)).toBe('{"replayed":true}');
      await harness.advance(expiry);
      expect(await store.peekCompleted(scope, FP)).toBeUndefined();
      tokenOf(await store.claim(scope, FP, LONG_LEASE_MS));
    });

    it('scopes are independent of each other', async () => {
      const a = newScope();
      const b = newScope();
      const tokenA = tokenOf(await store.claim(a, FP, LONG_LEASE_MS));
      tokenOf(await store.claim(b, OTHER_FP, LONG_LEASE_MS));
      await store.complete(a, tokenA, FP, '"a"', RETENTION_MS);
      expect((await store.claim(b, OTHER_FP, LONG_LEASE_MS)).kind).toBe('in_progress');
      expect(await store.claim(a, FP, LONG_LEASE_MS)).toEqual({ kind: 'completed', outcome: '"a"' });
      expect(await store.release(b, tokenA)).toBe(false);
    });

    it('refuses zero, negative and non-finite durations', async () => {
      const scope = newScope();
      await expect(store.claim(scope, FP, 0)).rejects.toThrow(RangeError);
      await expect(store.claim(scope, FP, Number.NaN)).rejects.toThrow(RangeError);
      await expect(store.remember(scope, FP, '"x"', -1)).rejects.toThrow(RangeError);
      const token = tokenOf(await store.claim(scope, FP, LONG_LEASE_MS));
      await expect(store.complete(scope, token, FP, '"x"', Infinity)).rejects.toThrow(RangeError);
    });
  });
}
