import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { parseWindow, rateLimitHeaders, toDelaySeconds, type RateLimitDecision, type RateLimitRule, type RateLimitStore } from '../../directives/rate-limit';
import { ErrorCode } from '../graphql/errors';
import type { SignetMetrics } from '../metrics';
import { errorBody } from './http-errors';

/** Whole-request limits: the cheap outer layers in front of the per-field ones. */
export const REQUEST_LIMITS = Object.freeze({
  /** Per client IP, checked before the body is parsed. */
  perIp: { max: 1200, windowMs: 60_000 } as RateLimitRule,
  /** Per verified account, across all its operations and keys. */
  perAccount: { max: 3000, windowMs: 60_000 } as RateLimitRule,
});

/** REQUEST_LIMITS with operator overrides `Request.ip` / `Request.account` from SIGNET_RATE_LIMITS applied. */
export function requestLimitsFrom(overrides: Readonly<Record<string, { max: number; window: string }>>): typeof REQUEST_LIMITS {
  const pick = (name: string, fallback: RateLimitRule): RateLimitRule => {
    const o = overrides[name];
    return o ? { max: o.max, windowMs: parseWindow(o.window) } : fallback;
  };
  return { perIp: pick('Request.ip', REQUEST_LIMITS.perIp), perAccount: pick('Request.account', REQUEST_LIMITS.perAccount) };
}

/** The per-IP and per-account layers, answering HTTP 429 with Retry-After when exceeded. */
export interface RequestLimiter {
  /** onRequest: refuses an IP over its limit before any parsing. Returns true when it replied. */
  checkIp(request: FastifyRequest, reply: FastifyReply): Promise<boolean>;
  /** After signature verification: refuses an account over its limit. Returns true when it replied. */
  checkAccount(accountId: string, request: FastifyRequest, reply: FastifyReply): Promise<boolean>;
}

/**
 * Builds the request layers on the shared engine. If the shared store is unreachable they fall
 * back to this instance's memory limiter: a coarse guard keeps working, and the stricter
 * money-moving checks downstream fail closed on their own.
 */
export function createRequestLimiter(deps: { store: RateLimitStore; fallback: RateLimitStore; metrics: SignetMetrics; logger: Logger; limits?: typeof REQUEST_LIMITS }): RequestLimiter {
  const limits = deps.limits ?? REQUEST_LIMITS;
  const consume = async (key: string, rule: RateLimitRule): Promise<RateLimitDecision> => {
    try {
      return await deps.store.consume(key, rule);
    } catch (error) {
      deps.logger.warn({ err: { message: (error as Error).message } }, 'rate-limit store unavailable; using the local limiter');
      return deps.fallback.consume(key, rule);
    }
  };
  const enforce = async (layer: 'ip' | 'account', policy: string, key: string, rule: RateLimitRule, request: FastifyRequest, reply: FastifyReply) => {
    const decision = await consume(key, rule);
    const headers = rateLimitHeaders([{ policy, rule, decision }]);
    if (headers && !decision.allowed) {
      reply.header('ratelimit-policy', headers['RateLimit-Policy']).header('ratelimit', headers.RateLimit);
    }
    if (decision.allowed) return false;
    deps.metrics.rateLimited.inc({ layer });
    const retryAfter = toDelaySeconds(decision.retryAfterMs);
    await reply.status(429).header('retry-after', String(retryAfter))
      .send(errorBody(ErrorCode.RATE_LIMITED, `Too many requests from this ${layer === 'ip' ? 'address' : 'account'}; retry in ${retryAfter} s.`, request.id, { retryAfter, limit: rule.max, window: `${rule.windowMs / 1000}s` }));
    return true;
  };
  return {
    checkIp: (request, reply) => enforce('ip', 'ip', `ip:${request.ip}`, limits.perIp, request, reply),
    checkAccount: (accountId, request, reply) => enforce('account', 'account', `account:${accountId}`, limits.perAccount, request, reply),
  };
}
