import type { DomainServices, Principal } from '../../domain';
import type { RateLimitHeaderEntry } from '../../directives/rate-limit';
import type { AdmittedFields, RequestAdmission } from '../admission';
import { UnauthenticatedError } from '../../errors';

/** What the HTTP layer tells GraphQL about the request, and collects for the response. */
export interface HttpExchange {
  /** Request headers as received (lowercased names). */
  readonly requestHeaders: Readonly<Record<string, string | string[] | undefined>>;
  /** The client's canonical IP address (from X-Forwarded-For only as far as SIGNET_TRUST_PROXY trusts it). */
  readonly clientIp: string;
  /** What per-client limits count against: the IPv4 address, or the client's IPv6 network (`2001:db8::/64`). */
  readonly clientLimitKey: string;
  /** Headers to add to the HTTP response (e.g. Idempotent-Replayed). */
  readonly responseHeaders: Map<string, string>;
  /** Top-level response `extensions` to add (e.g. idempotentReplay). */
  readonly responseExtensions: Record<string, unknown>;
  /** Rate-limit decisions taken for this request; the tightest becomes the RateLimit headers. */
  readonly rateLimits: RateLimitHeaderEntry[];
}

/** Per-request GraphQL context. */
export interface GraphQLContext {
  readonly requestId: string;
  /** The verified caller; null for unsigned requests. Only signature verification sets it. */
  readonly principal: Principal | null;
  readonly services: DomainServices;
  readonly http: HttpExchange;
  /** A verified request's admission (nonce, limits, leases); run once the operation is known. */
  readonly admission?: RequestAdmission;
  /** What the admission decided for root fields; read by the `@rateLimit` and `@idempotent` wrappers. */
  admitted?: AdmittedFields;
}

/** A fresh exchange for a request that did not come over HTTP (tests, in-process calls). */
export function emptyExchange(clientIp = '127.0.0.1', requestHeaders: HttpExchange['requestHeaders'] = {}, clientLimitKey = clientIp): HttpExchange {
  return { requestHeaders, clientIp, clientLimitKey, responseHeaders: new Map(), responseExtensions: {}, rateLimits: [] };
}

/** The verified caller, or an UNAUTHENTICATED error at the field that needs one. */
export function requirePrincipal(context: GraphQLContext): Principal {
  if (!context.principal) throw new UnauthenticatedError();
  return context.principal;
}
