import type { Principal } from '../../domain';
import type { DirectiveContext, HttpExchange } from '../../directives/directive-context';
import type { RequestAdmission } from '../admission';
import { UnauthenticatedError } from '../../errors';

export type { HttpExchange } from '../../directives/directive-context';

/** Per-request GraphQL context: what the directives read, plus the request's admission. */
export interface GraphQLContext extends DirectiveContext {
  /** A verified request's admission (nonce, limits, leases); run once the operation is known. */
  readonly admission?: RequestAdmission;
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
