/**
 * Redis `RateLimitStore`: the fixed-window counter of `@signet/rate-limit` as one Lua script,
 * so each check is one round trip (EVALSHA; EVAL once if Redis lost its script cache) and
 * atomic (Redis runs a script without interleaving other commands).
 *
 * Why not `rate-limiter-flexible` (RateLimiterRedis, v11)? It is atomic and one round trip,
 * but it does not meet this contract: its script always increments, so `countRejected: false`
 * (graphql-rate-limit's `uncountRejected`) would need a second, non-atomic `reward()` call
 * during which concurrent checks see an inflated count and are wrongly rejected; it sets
 * expiry in whole seconds (`floor(ms / 1000)`), so a 300 ms or 1.5 s window loses its expiry
 * or its precision; and it fixes `points`/`duration` per limiter instance and registers a
 * command on the shared client. The script below is 15 lines and tested against the contract.
 */
import type { Cluster, Redis } from 'ioredis';
import { hashTagOf, luaScript, runLuaScript, type RedisScriptClient } from '@signet/redis-scripts';

export type { RedisScriptClient } from '@signet/redis-scripts';
import {
  decisionFrom,
  normalizeRateLimitRule,
  type RateLimitDecision,
  type RateLimitRule,
  type RateLimitStore,
} from '@signet/rate-limit';

/**
 * The fixed-window steps, written once: this store's scripts use them, and a host may prepend
 * them to a script of its own that checks limits on the same keys (Signet's request admission).
 * `consume_window(key, max, window_ms, cost, count_rejected)` returns allowed (boolean), the
 * count after this check and the PTTL in ms (-2 when no window is open). PEXPIRE runs only when
 * the key has no expiry, i.e. on the increment that opened the window, so later checks never
 * extend it. `peek_window(key, max, cost)` only reads: allowed, count, ttl (0 when no window).
 */
export const WINDOW_LUA = `
local function consume_window(key, max, window_ms, cost, count_rejected)
  local count = tonumber(redis.call('GET', key) or '0')
  local allowed = count + cost <= max
  if allowed or count_rejected == '1' then
    count = redis.call('INCRBY', key, cost)
  end
  local ttl = redis.call('PTTL', key)
  if ttl == -1 then
    redis.call('PEXPIRE', key, window_ms)
    ttl = tonumber(window_ms)
  end
  return allowed, count, ttl
end
local function peek_window(key, max, cost)
  local count = tonumber(redis.call('GET', key) or '0')
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then ttl = 0 end
  return count + cost <= max, count, ttl
end
`;

/** KEYS[1] window counter; ARGV: max, windowMs, cost, countRejected (1/0). Returns { allowed (1/0), count, PTTL }. */
const CONSUME_SCRIPT = luaScript(`${WINDOW_LUA}
local allowed, count, ttl = consume_window(KEYS[1], tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), ARGV[4])
return { allowed and 1 or 0, count, ttl }
`);

// KEYS[1] = window key; ARGV = max, cost. Reads only: { allowed, count, ttlMs (0 when no window) }.
const PEEK_SCRIPT = luaScript(`${WINDOW_LUA}
local allowed, count, ttl = peek_window(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
return { allowed and 1 or 0, count, ttl }
`);

/** Default key prefix; the full key is `signet:rl:{<caller key>}`, or `signet:rl:<caller key>` when it names its own hash tag. */
export const DEFAULT_RATE_LIMIT_PREFIX = 'signet:rl:';

/**
 * The Redis key of a limiter key. A caller key may name its own Cluster hash tag, Redis-style
 * (the first `{`, up to the next `}`, not empty): `account:{a1}`, `ip:{203.0.113.9}`. Then the
 * counters of one account or address share a slot with the rest of that request's admission.
 * Any other key is wrapped whole as its own tag. A key that starts with `{` is always wrapped,
 * so the two forms can never yield the same Redis key.
 */
export function rateLimitRedisKey(key: string, prefix = DEFAULT_RATE_LIMIT_PREFIX): string {
  const tagged = !key.startsWith('{') && hashTagOf(key) !== undefined;
  return tagged ? `${prefix}${key}` : `${prefix}{${key}}`;
}

/** Options for `createRedisRateLimitStore`. */
export interface RedisRateLimitStoreOptions {
  /** Key prefix, defaults to `signet:rl:`; must not contain `{` or `}` (the hash tag is added after it). */
  prefix?: string;
}

/** Fixed-window counters in Redis, shared by every server process. */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly client: RedisScriptClient;
  private readonly prefix: string;

  /** Prefer `createRedisRateLimitStore`. `client`: a connected ioredis client or cluster; the store never closes it. */
  constructor(client: Redis | Cluster | RedisScriptClient, options: RedisRateLimitStoreOptions = {}) {
    this.client = client as RedisScriptClient;
    this.prefix = options.prefix ?? DEFAULT_RATE_LIMIT_PREFIX;
    if (/[{}]/.test(this.prefix)) {
      throw new Error(`Rate-limit key prefix ${JSON.stringify(this.prefix)} must not contain "{" or "}"`);
    }
  }

  /** The Redis key holding `key`'s window. The hash tag covers the whole caller key, keeping it one slot on Cluster. */
  redisKey(key: string): string {
    return rateLimitRedisKey(key, this.prefix);
  }

  /** See `RateLimitStore.consume`. Rejects with the Redis error when Redis is unreachable. */
  async consume(key: string, rule: RateLimitRule): Promise<RateLimitDecision> {
    const r = normalizeRateLimitRule(rule);
    const reply = await runLuaScript(this.client, CONSUME_SCRIPT, [this.redisKey(key)], [r.max, r.windowMs, r.cost, r.countRejected ? 1 : 0]);
    const [allowed, count, ttlMs] = parseReply(reply);
    return decisionFrom({ allowed: allowed === 1, count, ttlMs }, r);
  }

  /** See `RateLimitStore.peek`: one read-only script, nothing written. */
  async peek(key: string, rule: RateLimitRule): Promise<RateLimitDecision> {
    const r = normalizeRateLimitRule(rule);
    const reply = await runLuaScript(this.client, PEEK_SCRIPT, [this.redisKey(key)], [r.max, r.cost]);
    const [allowed, count, ttlMs] = parseReply(reply);
    return decisionFrom({ allowed: allowed === 1, count, ttlMs: Math.max(ttlMs, 0) }, r);
  }
}

/** Creates the Redis-backed rate-limit store on an existing ioredis connection (borrowed, never closed). */
export function createRedisRateLimitStore(client: Redis | Cluster | RedisScriptClient, options: RedisRateLimitStoreOptions = {}): RedisRateLimitStore {
  return new RedisRateLimitStore(client, options);
}

function parseReply(reply: unknown): [number, number, number] {
  if (Array.isArray(reply) && reply.length === 3 && reply.every((n) => typeof n === 'number')) {
    return reply as [number, number, number];
  }
  throw new Error(`Unexpected reply from the rate-limit script: ${JSON.stringify(reply)}`);
}
