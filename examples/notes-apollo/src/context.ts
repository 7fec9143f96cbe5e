/**
 * What a resolver of the notes API knows about its request. The directive packages never see
 * this type: the server hands them functions that read it (see `directives.ts`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isWholeReplay } from '@signet/directive-idempotent';
import { rateLimitHeaders, type RateLimitHeaderEntry } from '@signet/rate-limit';

/** The caller a verified signature proved: the key, the account it acts for, its scopes. */
export interface Principal {
  readonly keyId: string;
  readonly account: string;
  readonly scopes: readonly string[];
}

/** The per-request GraphQL context. */
export interface NotesContext {
  /** Null for an unsigned request; only the signature check sets it. */
  readonly principal: Principal | null;
  /** The peer's address: who an unsigned caller is counted as. */
  readonly clientAddress: string;
  /** Request headers as received (lowercased names); `@idempotent` reads Idempotency-Key. */
  readonly headers: IncomingHttpHeaders;
  /** `@rateLimit`'s decisions while serving the request: the RateLimit response headers. */
  readonly rateLimits: RateLimitHeaderEntry[];
  /** Root fields whose result `@idempotent` replayed: the Idempotent-Replayed response header, once they are all of the answer's. */
  readonly replayed: string[];
}

/** A fresh context for a request. */
export function notesContext(principal: Principal | null, clientAddress: string, headers: IncomingHttpHeaders): NotesContext {
  return { principal, clientAddress, headers, rateLimits: [], replayed: [] };
}

/** The response headers the directives' reports call for, given the answer's `data`: Idempotent-Replayed only when nothing in it ran again. */
export function reportedHeaders(context: NotesContext, data: Record<string, unknown> | null | undefined): Record<string, string> {
  return { ...rateLimitHeaders(context.rateLimits), ...(isWholeReplay(data, context.replayed) ? { 'Idempotent-Replayed': 'true' } : {}) };
}
