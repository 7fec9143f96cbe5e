import type { DomainServices, Principal } from '../domain';
import type { AdmittedFields } from './admitted-fields';
import type { RateLimitHeaderEntry } from '@signet/rate-limit';

/** What the HTTP layer tells GraphQL about the request, and collects for the response. */
export interface HttpExchange {
  /** Request headers as received (lowercased names). */
  readonly requestHeaders: Readonly<Record<string, string | string[] | undefined>>;
  /** The client's canonical IP address (from X-Forwarded-For only as far as SIGNET_TRUST_PROXY trusts it). */
  readonly clientIp: string;
  /** What per-client limits count against: the IPv4 address, or the client's IPv6 network (`2001:db8::/64`). */
  readonly clientLimitKey: string;
  /** Headers to add to the HTTP response. */
  readonly responseHeaders: Map<string, string>;
  /** Top-level response `extensions` to add (e.g. idempotentReplay). */
  readonly responseExtensions: Record<string, unknown>;
  /** Rate-limit decisions taken for this request; the tightest becomes the RateLimit headers. */
  readonly rateLimits: RateLimitHeaderEntry[];
}

/**
 * The part of the per-request context the directive wrappers read. The transport's
 * `GraphQLContext` extends it, so the directives never import the transport that hosts them.
 */
export interface DirectiveContext {
  readonly requestId: string;
  /** The verified caller; null for unsigned requests. Only signature verification sets it. */
  readonly principal: Principal | null;
  readonly services: DomainServices;
  readonly http: HttpExchange;
  /** What the admission decided for root fields; read by the `@rateLimit` and `@idempotent` wrappers. */
  admitted?: AdmittedFields;
}
