import type { DomainServices, Principal } from '../../domain';
import { UnauthenticatedError } from './errors';

/** Per-request GraphQL context. */
export interface GraphQLContext {
  readonly requestId: string;
  /** The verified caller; null for unsigned requests. Only signature verification sets it. */
  readonly principal: Principal | null;
  readonly services: DomainServices;
}

/** The verified caller, or an UNAUTHENTICATED error at the field that needs one. */
export function requirePrincipal(context: GraphQLContext): Principal {
  if (!context.principal) throw new UnauthenticatedError();
  return context.principal;
}
