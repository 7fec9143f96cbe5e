/**
 * What a resolver of the payments API knows about its request. The directive packages never
 * see this type: the server hands them functions that read it (see `directives.ts`).
 */
import { isWholeReplay } from '@signet/directive-idempotent';
import { rateLimitHeaders, type RateLimitHeaderEntry } from '@signet/rate-limit';

/** The caller a verified signature proved: the key, the account it acts for, its scopes. */
export interface Principal {
  readonly keyId: string;
  readonly account: string;
  readonly scopes: readonly string[];
}

/** The per-request GraphQL context (added to yoga's own). */
export interface PaymentsContext {
  /** Null for an unsigned request; only the signature check sets it. */
  readonly principal: Principal | null;
  /** The peer's address: who an unsigned caller is counted as. */
  readonly clientAddress: string;
  /** Request headers (lowercased names); `@idempotent` reads Idempotency-Key. */
  readonly headers: Readonly<Record<string, string>>;
  /** `@rateLimit`'s decisions while serving the request: the RateLimit response headers. */
  readonly rateLimits: RateLimitHeaderEntry[];
  /** Root fields whose result `@idempotent` replayed: the Idempotent-Replayed response header, once they are all of the answer's. */
  readonly replayed: string[];
}

/** The headers of a fetch `Request` as a record with lowercased names. */
export function headerRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

/** A fresh context for a request. */
export function paymentsContext(principal: Principal | null, clientAddress: string, headers: Readonly<Record<string, string>>): PaymentsContext {
  return { principal, clientAddress, headers, rateLimits: [], replayed: [] };
}

/** The response headers the directives' reports call for, given the answer's `data`: Idempotent-Replayed only when nothing in it ran again. */
export function reportedHeaders(context: PaymentsContext, data: Record<string, unknown> | null | undefined): Record<string, string> {
  return { ...rateLimitHeaders(context.rateLimits), ...(isWholeReplay(data, context.replayed) ? { 'Idempotent-Replayed': 'true' } : {}) };
}
