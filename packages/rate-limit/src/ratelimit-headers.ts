/**
 * `RateLimit-Policy` and `RateLimit` response fields as defined by
 * draft-ietf-httpapi-ratelimit-headers-11 (May 2026, the latest revision; the syntax is
 * unchanged since -08). Both are Structured Field Lists (RFC 9651) of Items whose value is
 * the policy name as an sf-string:
 *
 *   RateLimit-Policy: "placeOrder";q=10;w=60        q = quota, w = window in seconds
 *   RateLimit: "placeOrder";r=3;t=42                r = available quota, t = seconds left
 *
 * The serializer is hand-written (sf-string and sf-integer only, two small functions) so this
 * package keeps `ms` as its one runtime dependency, and its errors name the policy or value at
 * fault; the tests parse the output with `structured-headers` to keep it honest.
 */
import type { RateLimitDecision, RateLimitRule } from './rate-limit-store';

/** One policy that applied to a response: its name (the field name, usually), rule and decision. */
export interface RateLimitHeaderEntry {
  /** Policy name shown to clients; printable ASCII only (it becomes an sf-string). */
  policy: string;
  /** The rule behind the policy (`q` and `w` come from `max` and `windowMs`). */
  rule: Pick<RateLimitRule, 'max' | 'windowMs'>;
  /** The decision taken for this policy while serving the request. */
  decision: RateLimitDecision;
}

/** The two response fields, ready to set; absent when no policy applied (the lists must be non-empty). */
export interface RateLimitHeaders {
  /** The quota policies, sorted by name so the value stays the same from one response to the next. */
  'RateLimit-Policy': string;
  /** The current service limit per policy, tightest first. */
  RateLimit: string;
}

/**
 * Converts milliseconds to the whole seconds of HTTP's delay-seconds, rounding up: a client
 * told "t=1" for 400 ms left must not come back before the window has really reset. Use it
 * for `Retry-After` / `extensions.retryAfter` too, so every value agrees.
 */
export function toDelaySeconds(ms: number): number {
  return Math.max(Math.ceil(ms / 1000), 0);
}

/**
 * Compares two decisions by how much they constrain the client: lower `remaining` first,
 * then the later reset. For equal remaining the later reset binds, because the call only
 * passes once every policy admits it (two exhausted policies: wait for the later one).
 * Negative when `a` is tighter.
 */
export function compareTightness(a: RateLimitDecision, b: RateLimitDecision): number {
  return a.remaining - b.remaining || b.resetMs - a.resetMs;
}

/** Returns the entry whose decision constrains the client most (see `compareTightness`), or undefined for none. */
export function tightestEntry<T extends { decision: RateLimitDecision }>(entries: readonly T[]): T | undefined {
  let tightest: T | undefined;
  for (const entry of entries) {
    if (tightest === undefined || compareTightness(entry.decision, tightest.decision) < 0) tightest = entry;
  }
  return tightest;
}

/** Formats the `RateLimit-Policy` field value; one Item per distinct policy name. */
export function formatRateLimitPolicy(entries: readonly RateLimitHeaderEntry[]): string {
  return byPolicy(entries)
    .sort((a, b) => (a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0))
    // The draft has no sub-second windows; rounding up advertises a rate no higher than the real one.
    .map((e) => `${sfString(e.policy)};q=${sfInteger(e.rule.max)};w=${sfInteger(Math.max(toDelaySeconds(e.rule.windowMs), 1))}`)
    .join(', ');
}

/** Formats the `RateLimit` field value; one Item per distinct policy name, tightest first. */
export function formatRateLimit(entries: readonly RateLimitHeaderEntry[]): string {
  return byPolicy(entries)
    .sort((a, b) => compareTightness(a.decision, b.decision))
    .map((e) => `${sfString(e.policy)};r=${sfInteger(Math.max(e.decision.remaining, 0))};t=${sfInteger(toDelaySeconds(e.decision.resetMs))}`)
    .join(', ');
}

/**
 * Builds both fields for the policies that applied to one response, or undefined when none
 * did. A policy checked several times in one operation (aliases, batched fields) is reported
 * once, with its tightest decision: the draft identifies Items by policy name.
 *
 * @throws Error when a policy name is not printable ASCII or a number is not a valid sf-integer
 */
export function rateLimitHeaders(entries: readonly RateLimitHeaderEntry[]): RateLimitHeaders | undefined {
  if (entries.length === 0) return undefined;
  return { 'RateLimit-Policy': formatRateLimitPolicy(entries), RateLimit: formatRateLimit(entries) };
}

/** Keeps the tightest entry per policy name, in first-seen order. */
function byPolicy(entries: readonly RateLimitHeaderEntry[]): RateLimitHeaderEntry[] {
  const kept = new Map<string, RateLimitHeaderEntry>();
  for (const entry of entries) {
    const seen = kept.get(entry.policy);
    if (seen === undefined || compareTightness(entry.decision, seen.decision) < 0) kept.set(entry.policy, entry);
  }
  return [...kept.values()];
}

/** RFC 9651 section 4.1.6: printable ASCII, with `"` and `\` escaped. */
function sfString(value: string): string {
  if (!/^[\x20-\x7e]*$/.test(value)) {
    throw new Error(`Rate-limit policy name ${JSON.stringify(value)} must be printable ASCII`);
  }
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** RFC 9651 section 4.1.4: at most 15 digits. */
function sfInteger(value: number): string {
  if (!Number.isInteger(value) || Math.abs(value) > 999_999_999_999_999) {
    throw new Error(`Rate-limit header value ${String(value)} is not a valid structured-field integer`);
  }
  return String(value);
}
