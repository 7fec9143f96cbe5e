/**
 * The yoga plugin around each request: before yoga parses it, read the body bytes from a clone
 * (the signature covers their Content-Digest), check the signature and build the request's
 * context, or end the request with the refusal; after it ran, add the response headers the
 * directives reported (RateLimit, Idempotent-Replayed).
 */
import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { headerRecord, paymentsContext, reportedHeaders, type PaymentsContext, type Principal } from './context';

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

/** What node:http hands yoga beside the request. */
export interface NodeServerContext {
  readonly req: IncomingMessage;
}

function refusalResponse(refusal: HttpRefusal): Response {
  return Response.json({ errors: [{ message: refusal.message, extensions: refusal.extensions }] }, { status: refusal.status });
}

/** The exact body bytes, or null beyond `limit`. */
async function rawBodyOf(request: Request, limit: number): Promise<Uint8Array | null> {
  if (Number(request.headers.get('content-length') ?? '0') > limit) return null;
  const bytes = new Uint8Array(await request.clone().arrayBuffer());
  return bytes.byteLength > limit ? null : bytes;
}

/** The plugin, and the context factory that hands yoga each request's context. */
export function requestPlugin(authenticate: Authenticate): { plugin: Plugin<PaymentsContext, NodeServerContext>; contextOf(request: Request): PaymentsContext } {
  const contexts = new WeakMap<Request, PaymentsContext>();

  const plugin: Plugin<PaymentsContext, NodeServerContext> = {
    async onRequest({ request, url, serverContext, endResponse }) {
      const rawBody = request.method === 'POST' ? await rawBodyOf(request, MAX_BODY_BYTES) : new Uint8Array();
      if (rawBody === null) return endResponse(refusalResponse({ status: 413, message: 'Body too large.', extensions: { code: 'PAYLOAD_TOO_LARGE' } }));
      const headers = headerRecord(request.headers);
      // A fetch Request's URL is normalized (`/a/../b` becomes `/b`): fine for /graphql, which has no such segments.
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
      contexts.set(request, paymentsContext(checked.principal, serverContext.req.socket.remoteAddress ?? 'unknown', headers));
    },
    onResponse({ request, response }) {
      const context = contexts.get(request);
      if (context === undefined) return;
      for (const [name, value] of Object.entries(reportedHeaders(context))) response.headers.set(name, value);
    },
  };

  return {
    plugin,
    contextOf(request) {
      const context = contexts.get(request);
      if (context === undefined) throw new Error('the request plugin did not see this request');
      return context;
    },
  };
}
