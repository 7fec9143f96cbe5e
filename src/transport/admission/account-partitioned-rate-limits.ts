import { createMemoryRateLimitStore, type MemoryRateLimitStoreOptions, type RateLimitStore } from '@signet/rate-limit';

/**
 * Whether a counter key belongs to a signed-in account: the per-account request budget
 * (`account:{<id>}`, request-limits.ts), a key's exit budget (`keyExits:{<key id>}`: key ids are
 * counted only after their signature verified) and field limits counted per account or, for
 * exits, per key (`field:<Type.field>:<window ms>:account:{<id>}`, `…:apiKey:{<key id>}`,
 * @signet/directive-rate-limit). Every other
 * key (addresses, failed-signature counters, anonymous callers' field limits, and any field
 * limit that carries `identityArgs` values) is keyed by what a client sends.
 */
export function isAccountCounterKey(key: string): boolean {
  return /^(?:account|keyExits):\{[^}]*\}$/.test(key) || /^field:[^:]*:\d+:(?:account|apiKey):\{[^}]*\}$/.test(key);
}

/**
 * The embedded mode's in-process rate-limit store, as two tables of their own bound: one for
 * accounts' windows, one for the rest. A memory store full of keys drops its oldest windows to
 * stay bounded; in one table, a flood of distinct addresses (100,000 IPv6 /64s within a window,
 * each opening a per-address window) dropped accounts' live field windows too, and each such
 * account got a fresh limit early (20 transfers in a window of 10). An account's window exists
 * only after a verified signature, so its table grows with accounts × limited fields, which
 * clients cannot inflate (a field limit by `identityArgs`, whose values a client chooses, is
 * counted in the other table); what a flood drops is only address-keyed windows.
 */
export function createAccountPartitionedRateLimitStore(options: MemoryRateLimitStoreOptions = {}): RateLimitStore {
  const accounts = createMemoryRateLimitStore(options);
  const others = createMemoryRateLimitStore(options);
  const storeOf = (key: string): RateLimitStore => (isAccountCounterKey(key) ? accounts : others);
  return {
    consume: (key, rule) => storeOf(key).consume(key, rule),
    peek: (key, rule) => storeOf(key).peek(key, rule),
  };
}
