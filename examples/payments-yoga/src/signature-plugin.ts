/**
 * A yoga plugin that authenticates each GraphQL request before yoga parses it: it reads the
 * body bytes from a clone of the request (the signature covers their Content-Digest), hands
 * them to the signature check, and either ends the request with its refusal or remembers the
 * verified caller for the context factory (`principalOf`).
 */
import type { Plugin } from 'graphql-yoga';
import type { Principal } from './context';

/** Largest body accepted, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** The request as the signature check sees it: exact bytes and headers as received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  /** Raw query without `?`; '' when absent. */
  readonly query: string;
  readonly hasQuery: boolean;
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: Uint8Array;
}

/** A GraphQL-shaped error answered before GraphQL runs (no `data`). */
export interface HttpRefusal {
  readonly status: number;
  readonly message: string;
  readonly extensions: Readonly<Record<string, unknown>>;
}

/** The signature check: the verified caller, null for an unsigned request, or a refusal. */
export type Authenticate = (request: ReceivedRequest) => Promise<{ principal: Principal | null } | { refusal: HttpRefusal }>;

function refusalResponse(refusal: HttpRefusal): Response {
  return Response.json({ errors: [{ message: refusal.message, extensions: refusal.extensions }] }, { status: refusal.status });
}

/** The exact body bytes, or null beyond `limit`. */
async function rawBodyOf(request: Request, limit: number): Promise<Uint8Array | null> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) return null;
  const bytes = new Uint8Array(await request.clone().arrayBuffer());
  return bytes.byteLength > limit ? null : bytes;
}

/** The plugin, and where the context factory finds each request's verified caller. */
export function signaturePlugin(authenticate: Authenticate): { plugin: Plugin; principalOf(request: Request): Principal | null } {
  const principals = new WeakMap<Request, Principal>();
  const plugin: Plugin = {
    async onRequest({ request, url, endResponse }) {
      const rawBody = request.method === 'POST' ? await rawBodyOf(request, MAX_BODY_BYTES) : new Uint8Array();
      if (rawBody === null) return endResponse(refusalResponse({ status: 413, message: 'Body too large.', extensions: { code: 'PAYLOAD_TOO_LARGE' } }));
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const target = request.url.slice(url.origin.length);
      const queryAt = target.indexOf('?');
      let checked: Awaited<ReturnType<Authenticate>>;
      try {
        checked = await authenticate({
          method: request.method,
          path: url.pathname,
          query: queryAt === -1 ? '' : target.slice(queryAt + 1),
          hasQuery: queryAt !== -1,
          headers,
          rawBody,
        });
      } catch {
        // A failure of our own dependencies (key registry, nonce store): never "verified", nothing echoed.
        return endResponse(refusalResponse({ status: 503, message: 'Temporarily unavailable; retry later.', extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true } }));
      }
      if ('refusal' in checked) return endResponse(refusalResponse(checked.refusal));
      if (checked.principal !== null) principals.set(request, checked.principal);
    },
  };
  return { plugin, principalOf: (request) => principals.get(request) ?? null };
}
