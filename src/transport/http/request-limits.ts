import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { parseWindow, rateLimitHeaders, toDelaySeconds, type RateLimitDecision, type RateLimitHeaderEntry, type RateLimitRule, type RateLimitStore } from '@signet/rate-limit';
import type { AdmissionCheck } from '../admission';
import { ErrorCode } from '../../errors';
import type { SignetMetrics } from '../../metrics';
import { sendError } from './http-errors';
import type { LocalBlocks } from './local-blocks';
import { createAddressAllowance, type AddressAllowance } from './address-allowance';
import { createDependencyWarnings, type DependencyWarnings } from '../../dependency-warnings';

/** Whole-request limits: the cheap outer layers in front of the per-field ones. */
export const REQUEST_LIMITS = Object.freeze({
  /**
   * Per client IP, checked before the body is parsed, on every route (404s, the landing page, the
   * playground and its files, /metrics) but the liveness and readiness probes /healthz and /readyz:
   * an orchestrator polls them from an address it may share with other traffic, and a 429 would
   * read as dead or not ready; both stay cheap under a flood (create-http-server.ts, health.ts).
   * One playground page load is about 40 requests of the 1200.
   */
  perIp: { max: 1200, windowMs: 60_000 } as RateLimitRule,
  /** Per verified account, across all its operations and keys, but operations of exits only. */
  perAccount: { max: 3000, windowMs: 60_000 } as RateLimitRule,
  /**
   * Per API key, its operations of exits only (cancelOrder, cancelAllOrders, revokeApiKey), which
   * the account's budget leaves out: per key, so a key that spends it (leaked, a runaway bot) never
   * stops another key of the account from getting out; its refusals keep the nonce store bounded
   * as the account's do (the key's exit floor). 300 is above what the exits' own field limits let
   * run (cancelOrder 240 a minute per key, cancelAllOrders 30, revokeApiKey 2), and keeps one
   * account's requests to 3000 + 30 keys × 300 a minute, however many exits its field limits refuse.
   */
  perKeyExits: { max: 300, windowMs: 60_000 } as RateLimitRule,
});

/** The request layers' rules; a key's exit budget defaults to REQUEST_LIMITS' when left out. */
export type RequestLimits = Readonly<{ perIp: RateLimitRule; perAccount: RateLimitRule; perKeyExits?: RateLimitRule }>;

/** The SIGNET_RATE_LIMITS keys that override the request layers (every other key names a field). */
export const REQUEST_LIMIT_KEYS = Object.freeze({ perIp: 'Request.ip', perAccount: 'Request.account', perKeyExits: 'Request.keyExits' } as const);

const REQUEST_LAYER_KEYS: ReadonlySet<string> = new Set(Object.values(REQUEST_LIMIT_KEYS));

/** The field overrides of SIGNET_RATE_LIMITS (`Type.field`), without the request layers' keys: what the @rateLimit directive takes. */
export function fieldLimitOverrides<T>(overrides: Readonly<Record<string, T>>): Readonly<Record<string, T>> {
  return Object.freeze(Object.fromEntries(Object.entries(overrides).filter(([key]) => !REQUEST_LAYER_KEYS.has(key))));
}

/** REQUEST_LIMITS with operator overrides `Request.ip` / `Request.account` / `Request.keyExits` from SIGNET_RATE_LIMITS applied. */
export function requestLimitsFrom(overrides: Readonly<Record<string, { max: number; window: string }>>): RequestLimits {
  const pick = (name: string, fallback: RateLimitRule): RateLimitRule => {
    const o = overrides[name];
    return o ? { max: o.max, windowMs: parseWindow(o.window) } : fallback;
  };
  return {
    perIp: pick(REQUEST_LIMIT_KEYS.perIp, REQUEST_LIMITS.perIp),
    perAccount: pick(REQUEST_LIMIT_KEYS.perAccount, REQUEST_LIMITS.perAccount),
    perKeyExits: pick(REQUEST_LIMIT_KEYS.perKeyExits, REQUEST_LIMITS.perKeyExits),
  };
}

/** The request layers, as the limiter and the admission name them. */
export type RequestLayer = 'ip' | 'account' | 'keyExits';

/** Each layer's policy name in RateLimit-Policy / RateLimit: the name SIGNET_RATE_LIMITS configures it by. */
const POLICY_NAMES: Readonly<Record<RequestLayer, string>> = Object.freeze({
  ip: REQUEST_LIMIT_KEYS.perIp, account: REQUEST_LIMIT_KEYS.perAccount, keyExits: REQUEST_LIMIT_KEYS.perKeyExits,
});

/** What a layer's refusal says it counts. */
const SUBJECTS: Readonly<Record<RequestLayer, string>> = Object.freeze({ ip: 'requests from this address', account: 'requests from this account', keyExits: 'exits (cancels, key revocations) from this key' });

/** The RateLimit header fields of `entries`, as response header names and values (none for no entry). */
export function rateLimitHeaderFields(entries: readonly RateLimitHeaderEntry[]): Record<string, string> {
  const fields = rateLimitHeaders(entries);
  return fields ? { 'ratelimit-policy': fields['RateLimit-Policy'], ratelimit: fields.RateLimit } : {};
}

/** A request-layer refusal: status 429, the client-facing message and extensions, and its headers. */
export interface LayerRefusal {
  readonly message: string;
  readonly extensions: { retryAfter: number; limit: number; window: string };
  readonly headers: Record<string, string>;
}

/**
 * The per-IP and per-account layers, answering HTTP 429 with Retry-After when exceeded.
 *
 * Unsigned requests, on every route but the probes, spend the per-IP limit before their body
 * is read (`checkIp`, a global onRequest hook). A signed GraphQL request spends both in its
 * admission, one round trip with its nonce and field checks
 * (`admissionChecks`); before its body is read it is only refused when this process already
 * knows its address is over the limit (`checkIp` with `signed`), and a signed request whose
 * admission did not count it (refused before or by its nonce, unparseable body) spends its
 * address's budget before its answer is sent (`countIp`). A signed request goes uncounted before
 * its body only while this process's uncounted ones fit in what its address has left
 * (address-allowance.ts); past that it is counted there, as an unsigned request is, and its
 * admission leaves the address out. Each marks `request.addressCounted`.
 */
export interface RequestLimiter {
  /** onRequest: refuses an IP over its limit before any parsing. Returns true when it replied. */
  checkIp(request: FastifyRequest, reply: FastifyReply, options: { signed: boolean }): Promise<boolean>;
  /** Spends one request of the address's budget without answering (a signed request refused before its admission); its decision as a header entry. */
  countIp(request: FastifyRequest): Promise<RateLimitHeaderEntry>;
  /** The gates of a signed request's admission for `layer`. */
  admissionCheck(layer: RequestLayer, id: string): AdmissionCheck & { kind: 'limit' };
  /**
   * Learns what an address has left from its admission's decision (what lets signed requests go
   * uncounted before their bodies); a refusal is remembered locally until its window ends.
   */
  observeAddress(id: string, decision: RateLimitDecision): void;
  /**
   * A signed request let through uncounted has been counted (its admission's count landed, or
   * `countIp`'s), or has ended: its pass no longer holds back its address's next window. Once per
   * request; later calls do nothing.
   */
  endPass(request: FastifyRequest): void;
  /** The layer's decision as a RateLimit header entry, named as configured (`Request.ip`, `Request.account`). */
  headerEntry(layer: RequestLayer, decision: RateLimitDecision): RateLimitHeaderEntry;
  /**
   * What to answer when a layer refused; remembers an address refusal locally until its window
   * ends. `applied`: the other layers' decisions for this request, in the RateLimit headers too.
   */
  refusal(layer: RequestLayer, id: string, decision: RateLimitDecision, applied?: readonly RateLimitHeaderEntry[]): LayerRefusal;
}

/**
 * Builds the request layers on the shared engine. If the shared store is unreachable they fall
 * back to this instance's memory limiter: a coarse guard keeps working, and the stricter
 * money-moving checks downstream fail closed on their own.
 */
export function createRequestLimiter(deps: {
  store: RateLimitStore; fallback: RateLimitStore; metrics: SignetMetrics; logger: Logger; blocks: LocalBlocks; limits?: RequestLimits;
  /** How many signed requests may skip the count before their bodies; defaults to a fresh memo on the monotonic clock. */
  allowance?: AddressAllowance;
  /** Where a store failure is counted and logged (at most once a minute); defaults to one of its own. */
  warnings?: DependencyWarnings;
}): RequestLimiter {
  const allowance = deps.allowance ?? createAddressAllowance();
  const warnings = deps.warnings ?? createDependencyWarnings({ logger: deps.logger, metrics: deps.metrics });
  const limits: Required<RequestLimits> = { ...(deps.limits ?? REQUEST_LIMITS), perKeyExits: deps.limits?.perKeyExits ?? REQUEST_LIMITS.perKeyExits };
  const ruleOf = (layer: RequestLayer): RateLimitRule => (layer === 'ip' ? limits.perIp : layer === 'account' ? limits.perAccount : limits.perKeyExits);
  // The id is the key's hash tag: on Redis Cluster an address's or account's counters share a slot.
  const keyOf = (layer: RequestLayer, id: string): string => `${layer}:{${id}}`;
  /** Counts one request of an address, and keeps what the shared store says of the address's window (the local stand-in counts on windows of its own). */
  const consumeIp = async (request: FastifyRequest, key: string): Promise<RateLimitDecision> => {
    const rule = ruleOf('ip');
    let decision: RateLimitDecision;
    try {
      decision = await deps.store.consume(key, rule);
    } catch (error) {
      warnings.failed({ dependency: 'rate-limit-store', operation: 'request-ip-limit', error, reqId: request.id }, 'rate-limit store unavailable; using the local limiter');
      return deps.fallback.consume(key, rule);
    }
    allowance.observe(key, rule, decision);
    return decision;
  };
  const headerEntry = (layer: RequestLayer, decision: RateLimitDecision): RateLimitHeaderEntry => ({ policy: POLICY_NAMES[layer], rule: ruleOf(layer), decision });
  const refusal = (layer: RequestLayer, id: string, decision: RateLimitDecision, applied: readonly RateLimitHeaderEntry[] = []): LayerRefusal => {
    const rule = ruleOf(layer);
    if (layer === 'ip') deps.blocks.block(keyOf(layer, id), decision.retryAfterMs);
    deps.metrics.rateLimited.inc({ layer });
    const retryAfter = toDelaySeconds(decision.retryAfterMs);
    const headers = { 'retry-after': String(retryAfter), ...rateLimitHeaderFields([...applied, headerEntry(layer, decision)]) };
    return {
      message: `Too many ${SUBJECTS[layer]}; retry in ${retryAfter} s.`,
      extensions: { retryAfter, limit: rule.max, window: `${rule.windowMs / 1000}s` },
      headers,
    };
  };
  const send = async (request: FastifyRequest, reply: FastifyReply, refused: LayerRefusal): Promise<true> => {
    await sendError(reply.headers(refused.headers), ErrorCode.RATE_LIMITED, refused.message, refused.extensions);
    return true;
  };
  return {
    async checkIp(request, reply, { signed }) {
      const key = keyOf('ip', request.clientLimitKey);
      const knownMs = deps.blocks.remaining(key);
      if (knownMs > 0) {
        // Refused before its body is read: nothing more to count.
        request.addressCounted = true;
        const rule = ruleOf('ip');
        return send(request, reply, refusal('ip', request.clientLimitKey, { allowed: false, limit: rule.max, remaining: 0, resetMs: knownMs, retryAfterMs: knownMs }));
      }
      // Uncounted until read, while this process's uncounted ones fit in what the address has left.
      if (signed && allowance.take(key, ruleOf('ip'))) {
        request.addressPass = true;
        return false;
      }
      request.addressCounted = true;
      const decision = await consumeIp(request, key);
      if (!decision.allowed) return send(request, reply, refusal('ip', request.clientLimitKey, decision));
      // Announced on whatever answers the request: GraphQL adds the fields' limits to it, a
      // refusal before GraphQL (413, malformed JSON) keeps these headers as they are.
      request.requestRateLimits = [headerEntry('ip', decision)];
      reply.headers(rateLimitHeaderFields(request.requestRateLimits));
      return false;
    },
    async countIp(request) {
      request.addressCounted = true;
      const decision = await consumeIp(request, keyOf('ip', request.clientLimitKey));
      if (!decision.allowed) deps.blocks.block(keyOf('ip', request.clientLimitKey), decision.retryAfterMs);
      return headerEntry('ip', decision);
    },
    admissionCheck: (layer, id) => ({ kind: 'limit', key: keyOf(layer, id), rule: ruleOf(layer), gate: true }),
    observeAddress(id, decision) {
      allowance.observe(keyOf('ip', id), ruleOf('ip'), decision);
      if (!decision.allowed) deps.blocks.block(keyOf('ip', id), decision.retryAfterMs);
    },
    endPass(request) {
      if (!request.addressPass) return;
      request.addressPass = false;
      allowance.settle(keyOf('ip', request.clientLimitKey));
    },
    headerEntry,
    refusal,
  };
}
