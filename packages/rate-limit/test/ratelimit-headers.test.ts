// An independent RFC 9651 parser checks our output.
import { parseList } from 'structured-headers';
import {
  compareTightness,
  formatRateLimit,
  formatRateLimitPolicy,
  rateLimitHeaders,
  tightestEntry,
  toDelaySeconds,
  type RateLimitDecision,
  type RateLimitHeaderEntry,
} from '../src';

function decision(remaining: number, resetMs: number, allowed = remaining > 0): RateLimitDecision {
  return { allowed, limit: 10, remaining, resetMs, retryAfterMs: allowed ? 0 : resetMs };
}

function entry(policy: string, remaining: number, resetMs: number, max = 10, windowMs = 60_000): RateLimitHeaderEntry {
  return { policy, rule: { max, windowMs }, decision: decision(remaining, resetMs) };
}

describe('RateLimit header fields (draft-ietf-httpapi-ratelimit-headers-11)', () => {
  it('formats one policy as in the draft', () => {
    expect(rateLimitHeaders([entry('placeOrder', 3, 41_200)])).toEqual({
      'RateLimit-Policy': '"placeOrder";q=10;w=60',
      RateLimit: '"placeOrder";r=3;t=42',
    });
  });

  it('produces Structured Field Lists a standard parser reads back', () => {
    const headers = rateLimitHeaders([entry('placeOrder', 3, 42_000), entry('transfer', 0, 5_000, 2, 10_000)]);
    const policy = parseList(headers!['RateLimit-Policy']);
    expect(policy.map(([name, params]) => [name, Object.fromEntries(params)])).toEqual([
      ['placeOrder', { q: 10, w: 60 }],
      ['transfer', { q: 2, w: 10 }],
    ]);
    const limit = parseList(headers!.RateLimit);
    expect(limit.map(([name, params]) => [name, Object.fromEntries(params)])).toEqual([
      ['transfer', { r: 0, t: 5 }],
      ['placeOrder', { r: 3, t: 42 }],
    ]);
  });

  it('has no fields when no policy applied (the lists must be non-empty)', () => {
    expect(rateLimitHeaders([])).toBeUndefined();
  });

  it('reports a policy checked several times once, with its tightest decision', () => {
    const headers = rateLimitHeaders([entry('placeOrder', 5, 30_000), entry('placeOrder', 4, 30_000)]);
    expect(headers).toEqual({ 'RateLimit-Policy': '"placeOrder";q=10;w=60', RateLimit: '"placeOrder";r=4;t=30' });
  });

  it('lists policies by name in RateLimit-Policy, so the value is stable across responses', () => {
    const value = formatRateLimitPolicy([entry('transfer', 1, 1_000), entry('cancelOrder', 9, 1_000)]);
    expect(value).toBe('"cancelOrder";q=10;w=60, "transfer";q=10;w=60');
  });

  it('lists the tightest limit first in RateLimit', () => {
    const value = formatRateLimit([entry('a', 5, 1_000), entry('b', 0, 9_000), entry('c', 2, 1_000)]);
    expect(value).toBe('"b";r=0;t=9, "c";r=2;t=1, "a";r=5;t=1');
  });

  it('rounds seconds up, so a client never comes back before the window has reset', () => {
    expect(formatRateLimit([entry('p', 1, 1)])).toBe('"p";r=1;t=1');
    expect(formatRateLimitPolicy([entry('p', 1, 1, 5, 500)])).toBe('"p";q=5;w=1');
    expect(formatRateLimitPolicy([entry('p', 1, 1, 5, 1_500)])).toBe('"p";q=5;w=2');
    expect([toDelaySeconds(0), toDelaySeconds(1), toDelaySeconds(1_000), toDelaySeconds(1_001)]).toEqual([0, 1, 1, 2]);
  });

  it('escapes quotes and backslashes in policy names', () => {
    const value = formatRateLimit([entry('a"b\\c', 1, 1_000)]);
    expect(value).toBe('"a\\"b\\\\c";r=1;t=1');
    expect(parseList(value)[0][0]).toBe('a"b\\c');
  });

  it('refuses policy names that are not printable ASCII', () => {
    expect(() => formatRateLimit([entry('placeÖrder', 1, 1_000)])).toThrow(/printable ASCII/);
    expect(() => formatRateLimitPolicy([entry('line\nbreak', 1, 1_000)])).toThrow(/printable ASCII/);
  });

  it('refuses numbers a structured field cannot carry', () => {
    expect(() => formatRateLimitPolicy([entry('p', 1, 1_000, 1e16)])).toThrow(/structured-field integer/);
  });
});

describe('choosing the tightest decision', () => {
  it('prefers the lowest remaining', () => {
    const entries = [entry('a', 5, 1_000), entry('b', 1, 50_000), entry('c', 3, 10)];
    expect(tightestEntry(entries)?.policy).toBe('b');
  });

  it('on equal remaining, prefers the later reset: the call passes only once every policy admits it', () => {
    const entries = [entry('perSecond', 0, 800), entry('perHour', 0, 1_800_000), entry('perMinute', 0, 30_000)];
    expect(tightestEntry(entries)?.policy).toBe('perHour');
    expect(compareTightness(decision(0, 1_000), decision(0, 2_000))).toBeGreaterThan(0);
  });

  it('keeps the first of equally tight decisions, and has none for no entries', () => {
    expect(tightestEntry([entry('x', 1, 1_000), entry('y', 1, 1_000)])?.policy).toBe('x');
    expect(tightestEntry([])).toBeUndefined();
  });
});
