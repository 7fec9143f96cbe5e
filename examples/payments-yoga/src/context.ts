/**
 * What a resolver of the payments API knows about its request. The directive packages never
 * see this type: the server hands them functions that read it (see `directives.ts`).
 */

/** The caller a verified signature proved: the key, the account it acts for, its scopes. */
export interface Principal {
  readonly keyId: string;
  readonly account: string;
  readonly scopes: readonly string[];
}

/** The per-request GraphQL context (added to yoga's own: `request`, `params`). */
export interface PaymentsContext {
  /** Null for an unsigned request; only the signature check sets it. */
  readonly principal: Principal | null;
  /** The peer's address: who an unsigned caller is counted as. */
  readonly clientAddress: string;
  /** The request as yoga received it; `@idempotent` reads its Idempotency-Key header. */
  readonly request: Request;
}
