/**
 * What a 401 tells a client about authenticating: the `WWW-Authenticate` challenge HTTP requires
 * on every 401 (RFC 9110 §11.6.1) and RFC 9421 §5.1 `Accept-Signature`, naming the covered
 * components and parameters Signet's profile requires, so a client can discover how to sign.
 */
import { REQUIRED_COMPONENTS } from '@signet/http-message-signatures';

/**
 * RFC 9421 registers no HTTP authentication scheme. `Signature` is the name clients of signed
 * APIs already recognise (draft-cavage HTTP signatures used it, and it is the field that carries
 * the credential); the realm names the protection space, and the profile itself is in
 * Accept-Signature, which is the RFC's own negotiation mechanism.
 */
export const WWW_AUTHENTICATE = 'Signature realm="signet"';

/** What of the refused request decides the components a signature must cover. */
export interface ChallengedRequest {
  /** The request target has a query (signed GET queries): `@query` is required. */
  readonly hasQuery: boolean;
  /** The request carries an `Idempotency-Key` header: `idempotency-key` is required. */
  readonly hasIdempotencyKey: boolean;
}

/**
 * The `Accept-Signature` value (an RFC 8941 dictionary: one inner list of components): the
 * profile's components, plus the ones this request makes required, so a client that signs what
 * it is told is not refused again. The only parameter is a bare `created`: RFC 9421 §5.1 gives
 * bare `created` and `expires` the meaning "include one", but a `nonce` or `keyid` there asks the
 * signer to use that very value (a bare one would read as the Boolean true). Signet's other
 * requirements (a fresh `nonce` of 16-64 characters, the key's own `keyid`) are in the README.
 */
export function acceptSignature({ hasQuery, hasIdempotencyKey }: ChallengedRequest): string {
  const components = [...REQUIRED_COMPONENTS, ...(hasQuery ? ['@query'] : []), ...(hasIdempotencyKey ? ['idempotency-key'] : [])];
  return `sig1=(${components.map((c) => `"${c}"`).join(' ')});created`;
}

/**
 * The challenge headers of a 401 to `request`. With the refusal's `reason` (one of ERRORS.md's
 * reason codes) the challenge names it too, `error="NONCE_REUSED"` (the auth-param RFC 6750 §3
 * gives a refused credential): a client whose HTTP library hides a 401's body (Java's
 * HttpURLConnection in streaming mode) can still tell a stale clock from a replay.
 */
export function authChallengeHeaders(request: ChallengedRequest, reason?: unknown): Record<string, string> {
  const challenge = typeof reason === 'string' && REASON_CODE.test(reason) ? `${WWW_AUTHENTICATE}, error="${reason}"` : WWW_AUTHENTICATE;
  return { 'www-authenticate': challenge, 'accept-signature': acceptSignature(request) };
}

/** What a reason code looks like (upper-case words joined by `_`): anything else is not put in a header. */
const REASON_CODE = /^[A-Z][A-Z_]{0,63}$/;
