import { createMemoryRateLimitStore, type RateLimitDecision } from '@signet/rate-limit';
import { admittedRateLimitStore } from '../../../src/directives/rate-limit/admitted-rate-limit-store';

const rule = { max: 10, windowMs: 60_000 };
const refused: RateLimitDecision = { allowed: false, limit: 10, remaining: 0, resetMs: 5_000, retryAfterMs: 5_000 };

describe('the store @rateLimit asks for an admitted root field', () => {
  test('the admission\'s decision answers the same key once, without spending the counter again', async () => {
    const shared = createMemoryRateLimitStore();
    const store = admittedRateLimitStore(shared, { limit: { key: 'field:Mutation.placeOrder:60000:account:{a}', decision: refused } });
    expect(await store.consume('field:Mutation.placeOrder:60000:account:{a}', rule)).toBe(refused);
    expect(await shared.peek('field:Mutation.placeOrder:60000:account:{a}', rule)).toMatchObject({ remaining: 10 });
    expect(await store.consume('field:Mutation.placeOrder:60000:account:{a}', rule)).toMatchObject({ allowed: true, remaining: 9 });
  });

  test('another key (arguments or identity differ) is checked on the shared store', async () => {
    const shared = createMemoryRateLimitStore();
    const store = admittedRateLimitStore(shared, { limit: { key: 'field:Query.me:60000:account:{a}', decision: refused } });
    expect(await store.consume('field:Query.me:60000:ip:{192.0.2.1}', rule)).toMatchObject({ allowed: true, remaining: 9 });
    expect(await shared.peek('field:Query.me:60000:ip:{192.0.2.1}', rule)).toMatchObject({ remaining: 9 });
  });

  test('a call its spent limit refused, whose key the admission found completed, passes once to be replayed: nothing left, nothing spent', async () => {
    const shared = createMemoryRateLimitStore();
    const key = 'field:Mutation.createTransfer:60000:account:{a}';
    const store = admittedRateLimitStore(shared, {
      limit: { key, decision: refused },
      lease: { scopeKey: 'a:createTransfer:k-10', fingerprint: 'fp', claim: { kind: 'completed', outcome: '{}' }, taken: false },
    });
    expect(await store.consume(key, rule)).toEqual({ allowed: true, limit: 10, remaining: 0, resetMs: 5_000, retryAfterMs: 0 });
    expect(await shared.peek(key, rule)).toMatchObject({ remaining: 10 });
  });

  test('a replay of an exits-only request behind its spent limit spends one request of the account\'s budget first; with that spent, it stays refused', async () => {
    const shared = createMemoryRateLimitStore();
    const key = 'field:Mutation.cancelAllOrders:60000:account:{a}';
    const replayCharge = { key: 'request:account:{a}', rule: { max: 1, windowMs: 60_000 } };
    const admittedReplay = () => admittedRateLimitStore(shared, {
      limit: { key, decision: refused },
      lease: { scopeKey: 'a:cancelAllOrders:k-1', fingerprint: 'fp', claim: { kind: 'completed', outcome: '{}' }, taken: false },
      replayCharge,
    });
    expect(await admittedReplay().consume(key, rule)).toEqual({ allowed: true, limit: 10, remaining: 0, resetMs: 5_000, retryAfterMs: 0 });
    expect(await shared.peek(replayCharge.key, replayCharge.rule)).toMatchObject({ remaining: 0 });
    expect(await admittedReplay().consume(key, rule)).toBe(refused);
    expect(await shared.peek(key, rule)).toMatchObject({ remaining: 10 });
  });

  test.each([
    ['in progress', { kind: 'in_progress', retryAfterMs: 1_000 }],
    ['used with other arguments', { kind: 'mismatch' }],
  ] as const)('a call its spent limit refused, whose key is %s, stays refused', async (_label, claim) => {
    const key = 'field:Mutation.createTransfer:60000:account:{a}';
    const store = admittedRateLimitStore(createMemoryRateLimitStore(), { limit: { key, decision: refused }, lease: { scopeKey: 's', fingerprint: 'fp', claim, taken: false } });
    expect(await store.consume(key, rule)).toBe(refused);
  });

  test('a field the admission did not check gets the shared store itself', () => {
    const shared = createMemoryRateLimitStore();
    expect(admittedRateLimitStore(shared, undefined)).toBe(shared);
  });
});
