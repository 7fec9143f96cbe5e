/**
 * The behaviour every `RateLimitStore` adapter must show, run against each of them
 * (memory with a fake clock, Redis with real waits).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { RateLimitDecision, RateLimitRule, RateLimitStore } from '../rate-limit-store';

/** How the contract drives one adapter. */
export interface RateLimitStoreContractOptions {
  /** Moves the store's time forward: advance a fake clock, or really wait. */
  advance(ms: number): Promise<void>;
  /** Window used by rollover and expiry tests; any size with a fake clock. For real-time adapters short, but longer than a stall of the test process between two round trips (1 s). */
  shortWindowMs: number;
  /** Whether the store no longer holds any state for `key` (after its window ended). */
  isGone(key: string): Promise<boolean>;
}

/** Defines the contract suite for one adapter; `makeStore` runs before each test. */
export function defineRateLimitStoreContract(
  name: string,
  makeStore: () => RateLimitStore | Promise<RateLimitStore>,
  opts: RateLimitStoreContractOptions,
): void {
  describe(`RateLimitStore contract: ${name}`, () => {
    const run = randomUUID();
    let store: RateLimitStore;
    let n = 0;
    // A fresh caller key per use: tests never see each other's windows, even on a shared Redis.
    const freshKey = (label: string): string => `${run}:${label}:${(n += 1)}`;
    const MINUTE: RateLimitRule = { max: 10, windowMs: 60_000 };

    beforeEach(async () => {
      store = await makeStore();
    });

    async function consumeTimes(key: string, rule: RateLimitRule, times: number): Promise<RateLimitDecision[]> {
      const out: RateLimitDecision[] = [];
      for (let i = 0; i < times; i += 1) out.push(await store.consume(key, rule));
      return out;
    }

    it('admits exactly max of 200 concurrent checks on one key', async () => {
      const key = freshKey('burst');
      const decisions = await Promise.all(Array.from({ length: 200 }, () => store.consume(key, MINUTE)));
      const admitted = decisions.filter((d) => d.allowed);
      expect(admitted).toHaveLength(10);
      // Each admitted check saw its own slot: no two were told the same remaining count.
      expect(admitted.map((d) => d.remaining).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('admits exactly max of 200 concurrent checks when rejected checks are not counted', async () => {
      const key = freshKey('burst-uncounted');
      const rule = { ...MINUTE, countRejected: false };
      const decisions = await Promise.all(Array.from({ length: 200 }, () => store.consume(key, rule)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    });

    it('peek reports what consume would decide and counts nothing', async () => {
      const key = freshKey('peek');
      const rule = { max: 2, windowMs: 60_000 };
      expect(await store.peek(key, rule)).toMatchObject({ allowed: true, remaining: 2, retryAfterMs: 0 });
      await store.consume(key, rule);
      await store.consume(key, rule);
      for (let i = 0; i < 3; i += 1) {
        const peeked = await store.peek(key, rule);
        expect(peeked).toMatchObject({ allowed: false, remaining: 0 });
        expect(peeked.retryAfterMs).toBeGreaterThan(0);
        expect(peeked.retryAfterMs).toBeLessThanOrEqual(60_000);
      }
      const other = freshKey('peek-other');
      await store.peek(other, rule);
      expect((await store.consume(other, rule)).remaining).toBe(1);
    });

    it('counts remaining down and reports the limit', async () => {
      const decisions = await consumeTimes(freshKey('countdown'), { max: 3, windowMs: 60_000 }, 4);
      expect(decisions.map((d) => [d.allowed, d.remaining, d.limit])).toEqual([
        [true, 2, 3],
        [true, 1, 3],
        [true, 0, 3],
        [false, 0, 3],
      ]);
    });

    it('tells an allowed call when the window resets, and a rejected call when to retry', async () => {
      const [allowed, rejected] = await consumeTimes(freshKey('timing'), { max: 1, windowMs: 60_000 }, 2);
      expect(allowed.retryAfterMs).toBe(0);
      for (const d of [allowed, rejected]) {
        expect(d.resetMs).toBeGreaterThan(0);
        expect(d.resetMs).toBeLessThanOrEqual(60_000);
      }
      expect(rejected.allowed).toBe(false);
      expect(rejected.retryAfterMs).toBeGreaterThan(0);
      expect(rejected.retryAfterMs).toBeLessThanOrEqual(60_000);
      expect(rejected.retryAfterMs).toBe(rejected.resetMs);
    });

    it('with countRejected=false, rejected calls spend nothing', async () => {
      const key = freshKey('uncounted');
      const rule = { max: 3, windowMs: 60_000, countRejected: false };
      const decisions = await consumeTimes(key, rule, 5);
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false, false]);
      // What fits afterwards shows whether a rejection spent anything: 8 + 2 fits in 10 only if
      // the rejected 5 in between was not counted.
      const big = { max: 10, windowMs: 60_000, countRejected: false };
      const other = freshKey('uncounted-cost');
      expect((await store.consume(other, { ...big, cost: 8 })).allowed).toBe(true);
      expect((await store.consume(other, { ...big, cost: 5 })).allowed).toBe(false);
      const last = await store.consume(other, { ...big, cost: 2 });
      expect([last.allowed, last.remaining]).toEqual([true, 0]);
    });

    it('by default rejected calls still spend their cost (graphql-rate-limit default)', async () => {
      const key = freshKey('counted');
      const rule = { max: 10, windowMs: 60_000 };
      expect((await store.consume(key, { ...rule, cost: 8 })).allowed).toBe(true);
      const rejected = await store.consume(key, { ...rule, cost: 5 });
      expect([rejected.allowed, rejected.remaining]).toEqual([false, 0]);
      expect((await store.consume(key, { ...rule, cost: 1 })).allowed).toBe(false);
    });

    it('charges the cost of a list (arrayLengthField): 4 + 4 fit in 10, the third 4 does not', async () => {
      const decisions = await consumeTimes(freshKey('cost'), { max: 10, windowMs: 60_000, cost: 4 }, 3);
      expect(decisions.map((d) => [d.allowed, d.remaining])).toEqual([
        [true, 6],
        [true, 2],
        [false, 0],
      ]);
    });

    it('always rejects a call that costs more than max, and leaves the window alone when uncounted', async () => {
      const key = freshKey('too-big');
      const rejected = await store.consume(key, { max: 5, windowMs: 60_000, cost: 6, countRejected: false });
      expect(rejected.allowed).toBe(false);
      expect(rejected.retryAfterMs).toBeGreaterThan(0);
      expect(await store.consume(key, { max: 5, windowMs: 60_000 })).toMatchObject({ allowed: true, remaining: 4 });
      expect((await store.consume(freshKey('too-big-counted'), { max: 5, windowMs: 60_000, cost: 6 })).allowed).toBe(false);
    });

    it('charges an empty list as one call, like graphql-rate-limit', async () => {
      const d = await store.consume(freshKey('empty-list'), { max: 5, windowMs: 60_000, cost: 0 });
      expect([d.allowed, d.remaining]).toEqual([true, 4]);
    });

    it('rejects an invalid rule instead of guessing', async () => {
      const key = freshKey('invalid');
      await expect(store.consume(key, { max: 0, windowMs: 1000 })).rejects.toThrow(RangeError);
      await expect(store.consume(key, { max: 1.5, windowMs: 1000 })).rejects.toThrow(RangeError);
      await expect(store.consume(key, { max: 1, windowMs: 0 })).rejects.toThrow(RangeError);
      await expect(store.consume(key, { max: 1, windowMs: 25 * 3_600_000 })).rejects.toThrow(RangeError);
      await expect(store.consume(key, { max: 1, windowMs: 1000, cost: -1 })).rejects.toThrow(RangeError);
      await expect(store.consume(key, { max: 1, windowMs: 1000, cost: Number.NaN })).rejects.toThrow(RangeError);
    });

    it('admits calls again once the window has rolled over', async () => {
      const key = freshKey('rollover');
      const rule = { max: 2, windowMs: opts.shortWindowMs };
      expect((await consumeTimes(key, rule, 3)).map((d) => d.allowed)).toEqual([true, true, false]);
      await opts.advance(opts.shortWindowMs + 50);
      expect(await store.consume(key, rule)).toMatchObject({ allowed: true, remaining: 1 });
    });

    it('keeps keys independent', async () => {
      const a = freshKey('a');
      const b = freshKey('b');
      await consumeTimes(a, { max: 2, windowMs: 60_000 }, 3);
      expect(await store.consume(b, { max: 2, windowMs: 60_000 })).toMatchObject({ allowed: true, remaining: 1 });
    });

    it('forgets a key once its window has ended', async () => {
      const key = freshKey('expiry');
      await store.consume(key, { max: 2, windowMs: opts.shortWindowMs });
      expect(await opts.isGone(key)).toBe(false);
      await opts.advance(opts.shortWindowMs + 50);
      expect(await opts.isGone(key)).toBe(true);
    });

    it('never admits more than max per window, for any sequence of costs (model check)', async () => {
      const step = fc.record({ cost: fc.integer({ min: 1, max: 6 }), countRejected: fc.boolean() });
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 10 }), fc.array(step, { maxLength: 15 }), async (max, steps) => {
          const key = freshKey('model');
          let count = 0;
          for (const { cost, countRejected } of steps) {
            const d = await store.consume(key, { max, windowMs: 60_000, cost, countRejected });
            const expected = count + cost <= max;
            if (expected || countRejected) count += cost;
            expect(d.allowed).toBe(expected);
            expect(d.remaining).toBe(Math.max(max - count, 0));
          }
        }),
        { numRuns: 40 },
      );
    });
  });
}
