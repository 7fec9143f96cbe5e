import {
  MIN_IDEMPOTENCY_RETRY_AFTER_MS,
  idempotencyScopeKey,
  retryAfterFor,
  toPositiveMs,
} from '../src';

describe('idempotencyScopeKey', () => {
  it('keeps (account, field, key) unambiguous when parts contain the separator', () => {
    const a = idempotencyScopeKey({ scope: 'a:b', field: 'c', key: 'k' });
    const b = idempotencyScopeKey({ scope: 'a', field: 'b:c', key: 'k' });
    expect(a).not.toBe(b);
    expect(a.split(':')).toHaveLength(3);
  });

  it('never contains the braces of a Redis Cluster hash tag', () => {
    expect(idempotencyScopeKey({ scope: 'acct-1', field: 'placeOrder', key: '{tag}' })).toBe('acct-1:placeOrder:%7Btag%7D');
  });
});

describe('toPositiveMs', () => {
  it('rounds fractional milliseconds up, so a short lease never reads as already expired', () => {
    expect(toPositiveMs('leaseMs', 0.2)).toBe(1);
    expect(toPositiveMs('leaseMs', 10_000)).toBe(10_000);
  });

  it.each([0, -1, Number.NaN, Infinity])('refuses %p', (ms) => {
    expect(() => toPositiveMs('leaseMs', ms)).toThrow(RangeError);
  });
});

describe('retryAfterFor', () => {
  it('reports the remaining lease', () => {
    expect(retryAfterFor(4_000, 10_000)).toBe(4_000);
  });

  it('never hints less than the minimum for a lease about to expire', () => {
    expect(retryAfterFor(0, 10_000)).toBe(MIN_IDEMPOTENCY_RETRY_AFTER_MS);
    expect(retryAfterFor(-1, 10_000)).toBe(MIN_IDEMPOTENCY_RETRY_AFTER_MS);
  });

  it('never hints more than a lease shorter than the minimum', () => {
    expect(retryAfterFor(3, 50)).toBe(50);
  });
});
