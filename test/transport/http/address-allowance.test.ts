import type { FastifyReply, FastifyRequest } from 'fastify';
import { createMemoryRateLimitStore, type RateLimitDecision, type RateLimitRule, type RateLimitStore } from '@signet/rate-limit';
import { createAddressAllowance } from '../../../src/transport/http/address-allowance';
import { createLocalBlocks } from '../../../src/transport/http/local-blocks';
import { createRequestLimiter } from '../../../src/transport/http/request-limits';
import { createMetrics } from '../../../src/metrics';
import { silentLogger } from '../../helpers/logger';

const RULE = { max: 3, windowMs: 10_000 };
const decision = (remaining: number, resetMs: number) => ({ allowed: remaining > 0, limit: RULE.max, remaining, resetMs, retryAfterMs: remaining > 0 ? 0 : resetMs });

/** The allowance on a clock the test moves. */
function allowanceAt(startMs = 1_000) {
  const clock = { ms: startMs };
  return { clock, allowance: createAddressAllowance({ now: () => clock.ms, maxEntries: 2 }) };
}

/** How many passes `key` gets before take() says no (at most 100). */
function passesLeft(allowance: ReturnType<typeof createAddressAllowance>, key: string): number {
  let passes = 0;
  while (passes < 100 && allowance.take(key, RULE)) passes += 1;
  return passes;
}

describe('address allowance: signed requests let through uncounted, per address and window', () => {
  test('an address this process has heard nothing of gets the rule\'s max, then none until its window ends', () => {
    const { clock, allowance } = allowanceAt();
    expect(passesLeft(allowance, 'ip:{a}')).toBe(3);
    clock.ms += 9_999;
    expect(allowance.take('ip:{a}', RULE)).toBe(false);
    // Their requests have been counted.
    for (let i = 0; i < 3; i += 1) allowance.settle('ip:{a}');
    clock.ms += 1;
    expect(passesLeft(allowance, 'ip:{a}')).toBe(3);
  });

  test('addresses do not share an allowance', () => {
    const { allowance } = allowanceAt();
    expect(passesLeft(allowance, 'ip:{a}')).toBe(3);
    expect(passesLeft(allowance, 'ip:{b}')).toBe(3);
  });

  test('a shared decision in the same window lowers what is left, never raises it (passes taken since may not be counted yet)', () => {
    const { allowance } = allowanceAt();
    expect(allowance.take('ip:{a}', RULE)).toBe(true);
    // Another process spent two of the address's three: one left.
    allowance.observe('ip:{a}', RULE, decision(1, 9_000));
    expect(passesLeft(allowance, 'ip:{a}')).toBe(1);
    // A decision counted before those passes landed says more is left: still none.
    allowance.observe('ip:{a}', RULE, decision(2, 8_990));
    expect(allowance.take('ip:{a}', RULE)).toBe(false);
  });

  test('a decision names when the window ends: the allowance comes back then, not a window after the first pass', () => {
    const { clock, allowance } = allowanceAt();
    allowance.observe('ip:{a}', RULE, decision(0, 2_000));
    expect(allowance.take('ip:{a}', RULE)).toBe(false);
    clock.ms += 2_000;
    expect(passesLeft(allowance, 'ip:{a}')).toBe(3);
  });

  test('a decision of a later window (its end at least half a window past the known one) replaces what was known', () => {
    const { clock, allowance } = allowanceAt();
    expect(passesLeft(allowance, 'ip:{a}')).toBe(3);
    // A decision of the same window (its end within half a window of the known one) only lowers what is left.
    clock.ms += 500;
    allowance.observe('ip:{a}', RULE, decision(2, 9_999));
    expect(passesLeft(allowance, 'ip:{a}')).toBe(0);
    for (let i = 0; i < 3; i += 1) allowance.settle('ip:{a}');
    allowance.observe('ip:{a}', RULE, decision(2, 10_000 + 9_400));
    expect(passesLeft(allowance, 'ip:{a}')).toBe(2);
  });

  test('a decision for an address not yet seen sets what is left', () => {
    const { allowance } = allowanceAt();
    allowance.observe('ip:{a}', RULE, decision(1, 5_000));
    expect(passesLeft(allowance, 'ip:{a}')).toBe(1);
  });

  test('bounded: past maxEntries the least recently used address is forgotten (it gets a fresh window\'s allowance)', () => {
    const { allowance } = allowanceAt();
    expect(passesLeft(allowance, 'ip:{a}')).toBe(3);
    expect(passesLeft(allowance, 'ip:{b}')).toBe(3);
    // a is used again (refused a pass): b is now the least recently used.
    expect(allowance.take('ip:{a}', RULE)).toBe(false);
    expect(passesLeft(allowance, 'ip:{c}')).toBe(3);
    expect(passesLeft(allowance, 'ip:{a}')).toBe(0);
    expect(passesLeft(allowance, 'ip:{b}')).toBe(3);
  });

  describe('passes whose count has not landed hold back the next window (they will be counted in it)', () => {
    test('a window opened by a shared decision', () => {
      const { clock, allowance } = allowanceAt();
      allowance.observe('ip:{a}', RULE, decision(3, 10_000));
      // Two passes taken just before the window ends; their requests are still being read.
      clock.ms += 9_990;
      expect(allowance.take('ip:{a}', RULE)).toBe(true);
      expect(allowance.take('ip:{a}', RULE)).toBe(true);
      clock.ms += 20;
      // Another request opens the shared window anew: 2 left of 3, but the two passes will take them.
      allowance.observe('ip:{a}', RULE, decision(2, 10_000));
      expect(passesLeft(allowance, 'ip:{a}')).toBe(0);
    });

    test('a window this process opens itself', () => {
      const { clock, allowance } = allowanceAt();
      expect(allowance.take('ip:{a}', RULE)).toBe(true);
      clock.ms += 10_000;
      expect(passesLeft(allowance, 'ip:{a}')).toBe(2);
    });

    test('once counted, they no longer do', () => {
      const { clock, allowance } = allowanceAt();
      expect(allowance.take('ip:{a}', RULE)).toBe(true);
      expect(allowance.take('ip:{a}', RULE)).toBe(true);
      allowance.settle('ip:{a}');
      allowance.settle('ip:{a}');
      // More settled than taken (a request that ended twice) is no credit.
      allowance.settle('ip:{a}');
      clock.ms += 10_000;
      allowance.observe('ip:{a}', RULE, decision(2, 10_000));
      expect(passesLeft(allowance, 'ip:{a}')).toBe(2);
    });
  });
});

describe('the request limiter feeds the allowance only what the shared store decided', () => {
  const request = { id: 'req-1', clientLimitKey: '192.0.2.1', headers: {} } as unknown as FastifyRequest;
  const reply = { headers: () => reply } as unknown as FastifyReply;
  const limiterOver = (store: RateLimitStore) => {
    const observed: number[] = [];
    const allowance = { ...createAddressAllowance(), observe: (_key: string, _rule: RateLimitRule, d: RateLimitDecision) => { observed.push(d.remaining); } };
    const limiter = createRequestLimiter({
      store, fallback: createMemoryRateLimitStore(), metrics: createMetrics(), logger: silentLogger, blocks: createLocalBlocks(), allowance,
      limits: { perIp: { max: 5, windowMs: 60_000 }, perAccount: { max: 5, windowMs: 60_000 } },
    });
    return { limiter, observed };
  };

  test('a shared decision is observed', async () => {
    const { limiter, observed } = limiterOver(createMemoryRateLimitStore());
    await limiter.countIp(request);
    expect(await limiter.checkIp(request, reply, { signed: false })).toBe(false);
    expect(observed).toEqual([4, 3]);
  });

  // The local stand-in counts on windows of its own: its decisions, taken for the shared window's,
  // once refilled the allowance of an address the shared store had said was spent.
  test('the local stand-in\'s decisions, while the shared store is unreachable, are not', async () => {
    const unreachable: RateLimitStore = { consume: async () => { throw new Error('connection refused'); }, peek: async () => { throw new Error('connection refused'); } };
    const { limiter, observed } = limiterOver(unreachable);
    await limiter.countIp(request);
    expect(await limiter.checkIp(request, reply, { signed: false })).toBe(false);
    expect(observed).toEqual([]);
  });
});
