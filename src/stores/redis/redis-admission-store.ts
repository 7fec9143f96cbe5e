/**
 * Redis `AdmissionStore`: a request's whole admission list (limits, guard counters, the nonce,
 * idempotency leases) as ONE Lua script, so a signed mutation pays one round trip before it
 * runs instead of one per check, and the checks run back to back with nothing interleaved.
 *
 * The script is composed of the single-purpose stores' own Lua steps, each written once in its
 * store (`consume_window`/`peek_window` of `@signet/rate-limit-redis`, `claim_nonce` of
 * `@signet/http-message-signatures-redis`, `claim_lease` and `peek_completed` of `@signet/idempotency-redis`, `key_version`
 * of the key version store beside this file), on the same keys, so
 * the two paths share state and a rule cannot differ between them.
 *
 * Redis Cluster: a script may only touch keys of one slot (a key's version shares its hash tag, the
 * key id, with the key's nonces: the two checks run in one call). The list is cut into runs of
 * consecutive checks that share a hash tag, one script call per run, in order; a failed gate
 * stops before the next run, and whether a lease whose limit ran in an earlier run is taken,
 * looked at or skipped is decided here (its `after` argument says which to the script). On a
 * single Redis server the whole list is one run.
 */
import { randomUUID } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';
import {
  decisionFrom,
  normalizeRateLimitRule,
  type NormalizedRateLimitRule,
} from '@signet/rate-limit';
import { toPositiveMs } from '@signet/idempotency';
import {
  isFailedGate,
  leaseStep,
  type AdmissionCheck,
  type AdmissionOutcome,
  type AdmissionStore,
} from '../../transport/admission';
import { hashTagOf, luaScript, RUN_MARKER_LUA, runLuaScript } from '@signet/redis-scripts';
import { CLAIM_LEASE_LUA, DEFAULT_IDEMPOTENCY_PREFIX, PEEK_COMPLETED_LUA, claimNow, idempotencyMarkerKey, idempotencyRedisKey, readLeaseReply } from '@signet/idempotency-redis';
import { CLAIM_NONCE_LUA, DEFAULT_NONCE_PREFIX, claimArguments, claimKeys, clockTolerance, markerSinceMs, readClaimReply } from '@signet/http-message-signatures-redis';
import { DEFAULT_RATE_LIMIT_PREFIX, WINDOW_LUA, rateLimitRedisKey } from '@signet/rate-limit-redis';
import { DEFAULT_KEY_VERSION_PREFIX, KEY_VERSION_LUA, KEY_VERSION_TTL_MS, freshKeyVersion, keyVersionRedisKey } from './redis-key-version-store';

/**
 * KEYS: one per check, two for a lease (the key, then its store's completeness marker), three for
 * a nonce (the nonce, the marker, its key's floor). ARGV: six slots per check: kind, then its arguments:
 *   limit   max, windowMs, cost, countRejected (1/0), gate (1/0)
 *   blocked max, cost
 *   nonce   ttlMs, notBeforeMs, sinceIfMissingMs (now + clock tolerance), createdMs
 *   lease   fingerprint, token, leaseMs, after (1-based index of a limit in this call, 0 = none,
 *           -1 = a limit in an earlier call refused it), nowMs
 *   keyVersion expected, fresh (the version a key without one gets), its TTL in ms
 * Reply, one entry per check: {0} skipped | {1, allowed, count, pttl} limit | {2, allowed, count, pttl}
 * blocked | {3, {1} | {0} | {2, since} | {3, floor}} nonce (claimed, reused, unproven, superseded:
 * `claim_nonce` of the nonce store) | {4, claim} lease (`claim_lease` of the idempotency store: {'acquired', since},
 * {'mismatch'}, {'completed', outcome}, {'in_progress', pttl}; behind a limit that refused the call,
 * only {'completed', outcome} from `peek_completed`, else {0}: nothing is taken) | {5, version}
 * keyVersion (a gate: stops the list when not the expected one).
 */
const ADMIT_SCRIPT = luaScript(`${RUN_MARKER_LUA}${WINDOW_LUA}${CLAIM_NONCE_LUA}${CLAIM_LEASE_LUA}${PEEK_COMPLETED_LUA}${KEY_VERSION_LUA}
local out = {}
local allowedAt = {}
local stopped = false
local k = 1
for i = 1, #ARGV / 6 do
  local p = (i - 1) * 6
  local kind = ARGV[p + 1]
  local key = KEYS[k]
  k = k + 1
  local marker = nil
  local floor = nil
  if kind == 'nonce' or kind == 'lease' then
    marker = KEYS[k]
    k = k + 1
  end
  if kind == 'nonce' then
    floor = KEYS[k]
    k = k + 1
  end
  if stopped then
    out[i] = {0}
  elseif kind == 'limit' then
    local allowed, count, ttl = consume_window(key, tonumber(ARGV[p + 2]), ARGV[p + 3], tonumber(ARGV[p + 4]), ARGV[p + 5])
    allowedAt[i] = allowed
    out[i] = {1, allowed and 1 or 0, count, ttl}
    if ARGV[p + 6] == '1' and not allowed then stopped = true end
  elseif kind == 'blocked' then
    local allowed, count, ttl = peek_window(key, tonumber(ARGV[p + 2]), tonumber(ARGV[p + 3]))
    out[i] = {2, allowed and 1 or 0, count, ttl}
    if not allowed then stopped = true end
  elseif kind == 'nonce' then
    local claim = claim_nonce(key, marker, floor, ARGV[p + 2], ARGV[p + 3], ARGV[p + 4], ARGV[p + 5])
    out[i] = {3, claim}
    if claim[1] ~= 1 then stopped = true end
  elseif kind == 'lease' then
    local after = tonumber(ARGV[p + 5])
    if after == -1 or (after > 0 and not allowedAt[after]) then
      -- Its limit refused the call: take nothing, but a completed outcome is replayed (it runs nothing).
      local outcome = peek_completed(key, ARGV[p + 2])
      if outcome then out[i] = {4, {'completed', outcome}} else out[i] = {0} end
    else
      out[i] = {4, claim_lease(key, marker, ARGV[p + 2], ARGV[p + 3], ARGV[p + 4], ARGV[p + 6])}
    end
  elseif kind == 'keyVersion' then
    local version = key_version(key, ARGV[p + 3], ARGV[p + 4])
    out[i] = {5, version}
    if version ~= ARGV[p + 2] then stopped = true end
  else
    return redis.error_reply('unknown admission check ' .. tostring(kind))
  end
end
return out
`);


/** Key prefixes; each must match the prefix of the single-purpose store sharing its keys. */
export interface RedisAdmissionStoreOptions {
  /** Defaults to `signet:rl:` (the rate-limit store's default). */
  readonly rateLimitPrefix?: string;
  /** Defaults to `signet:nonce:`. */
  readonly noncePrefix?: string;
  /** Defaults to `signet:idem:`. */
  readonly idempotencyPrefix?: string;
  /** Defaults to `signet:keyver:` (the key version store's default). */
  readonly keyVersionPrefix?: string;
  /** Clock in ms since the epoch, written into a missing nonce (plus `clockToleranceMs`) or idempotency completeness marker. Defaults to `Date.now`. */
  readonly now?: () => number;
  /** How far apart the clocks of the processes sharing this Redis may be (ms): what a missing nonce marker adds to `now` (the nonce store's option of the same name). Defaults to 5 s. */
  readonly clockToleranceMs?: number;
}

/** A check ready for the script: its keys (the first decides its slot), its six arguments, and what the reply is read with. */
interface Prepared {
  readonly keys: readonly string[];
  readonly args: (string | number)[];
  readonly rule?: NormalizedRateLimitRule;
  readonly token?: string;
  readonly leaseMs?: number;
}

/** What decides a key's Cluster slot: its hash tag, else the whole key. */
const slotText = (prepared: Prepared): string => hashTagOf(prepared.keys[0]) ?? prepared.keys[0];

/** Creates the one-script admission store on an ioredis client or cluster (borrowed, never closed). */
export function createRedisAdmissionStore(redis: Redis | Cluster, options: RedisAdmissionStoreOptions = {}): AdmissionStore {
  const rlPrefix = options.rateLimitPrefix ?? DEFAULT_RATE_LIMIT_PREFIX;
  const noncePrefix = options.noncePrefix ?? DEFAULT_NONCE_PREFIX;
  const idemPrefix = options.idempotencyPrefix ?? DEFAULT_IDEMPOTENCY_PREFIX;
  const keyVersionPrefix = options.keyVersionPrefix ?? DEFAULT_KEY_VERSION_PREFIX;
  const clustered = redis instanceof Cluster;
  const now = options.now ?? Date.now;
  const tolerance = clockTolerance(options.clockToleranceMs);

  /** Validates a check (the same errors as the single-purpose stores) and lays out its arguments. */
  const prepare = (check: AdmissionCheck): Prepared => {
    switch (check.kind) {
      case 'limit': {
        const rule = normalizeRateLimitRule(check.rule);
        return { keys: [rateLimitRedisKey(check.key, rlPrefix)], args: ['limit', rule.max, rule.windowMs, rule.cost, rule.countRejected ? 1 : 0, check.gate ? 1 : 0], rule };
      }
      case 'blocked': {
        const rule = normalizeRateLimitRule(check.rule);
        return { keys: [rateLimitRedisKey(check.key, rlPrefix)], args: ['blocked', rule.max, rule.cost, '', '', ''], rule };
      }
      case 'nonce':
        return { keys: claimKeys(check.keyId, check.nonce, noncePrefix, clustered, check.floor), args: ['nonce', ...claimArguments(check, markerSinceMs(now(), tolerance)), ''] };
      case 'lease': {
        const leaseMs = toPositiveMs('leaseMs', check.leaseMs);
        const token = randomUUID();
        const key = idempotencyRedisKey(check.scopeKey, idemPrefix);
        return { keys: [key, idempotencyMarkerKey(key, idemPrefix, clustered)], args: ['lease', check.fingerprint, token, leaseMs, 0, claimNow(now)], token, leaseMs };
      }
      case 'keyVersion':
        return { keys: [keyVersionRedisKey(check.keyId, keyVersionPrefix)], args: ['keyVersion', check.expected, freshKeyVersion(), KEY_VERSION_TTL_MS, '', ''] };
    }
  };

  const read = (prepared: Prepared, reply: unknown): AdmissionOutcome => {
    const entry = Array.isArray(reply) ? (reply as unknown[]) : [];
    const [tag, a, b, c] = entry;
    if (tag === 0) return { kind: 'skipped' };
    if ((tag === 1 || tag === 2) && prepared.rule && typeof a === 'number' && typeof b === 'number' && typeof c === 'number') {
      const decision = decisionFrom({ allowed: a === 1, count: b, ttlMs: tag === 2 ? Math.max(c, 0) : c }, prepared.rule);
      return tag === 1 ? { kind: 'limit', decision } : { kind: 'blocked', decision };
    }
    if (tag === 3) return { kind: 'nonce', claim: readClaimReply(a) };
    if (tag === 4 && prepared.token && prepared.leaseMs) return { kind: 'lease', claim: readLeaseReply(a, prepared.token, prepared.leaseMs) };
    if (tag === 5 && typeof a === 'string' && a !== '') return { kind: 'keyVersion', current: a };
    throw new Error(`redis admission store: unexpected reply ${JSON.stringify(entry)}`);
  };

  const runScript = async (keys: string[], args: (string | number)[], count: number): Promise<unknown[]> => {
    const reply = await runLuaScript(redis, ADMIT_SCRIPT, keys, args);
    if (!Array.isArray(reply) || reply.length !== count) throw new Error(`redis admission store: unexpected reply ${JSON.stringify(reply)}`);
    return reply;
  };

  return {
    async admit(checks) {
      if (checks.length === 0) return [];
      const prepared = checks.map(prepare);
      const outcomes: AdmissionOutcome[] = new Array(checks.length);
      let start = 0;
      while (start < checks.length) {
        // One run: the whole list on a single server; consecutive checks of one hash tag on a cluster.
        let end = start + 1;
        if (clustered) while (end < checks.length && slotText(prepared[end]) === slotText(prepared[start])) end += 1;
        else end = checks.length;
        const keys: string[] = [];
        const args: (string | number)[] = [];
        const sent: number[] = [];
        for (let i = start; i < end; i += 1) {
          const check = checks[i];
          const slot = [...prepared[i].args];
          if (check.kind === 'lease' && check.after !== undefined && check.after < start) {
            // Its limit ran in an earlier call: decide here whether the lease is taken, looked at or skipped.
            const step = leaseStep(check, outcomes);
            if (step === 'skip') { outcomes[i] = { kind: 'skipped' }; continue; }
            if (step === 'look') slot[4] = -1;
          }
          if (check.kind === 'lease' && check.after !== undefined && check.after >= start) {
            const local = sent.indexOf(check.after);
            slot[4] = local === -1 ? 0 : local + 1;
          }
          sent.push(i);
          keys.push(...prepared[i].keys);
          args.push(...slot);
        }
        const replies = sent.length > 0 ? await runScript(keys, args, sent.length) : [];
        sent.forEach((index, n) => { outcomes[index] = read(prepared[index], replies[n]); });
        const stoppedAt = sent.find((index) => isFailedGate(checks[index], outcomes[index]));
        start = end;
        if (stoppedAt !== undefined) {
          for (let i = start; i < checks.length; i += 1) outcomes[i] = { kind: 'skipped' };
          break;
        }
      }
      return outcomes;
    },
  };
}
