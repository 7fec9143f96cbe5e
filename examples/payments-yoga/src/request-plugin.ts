/**
 * The yoga plugin around each request: before yoga parses it, read the body bytes up to the limit
 * (the signature covers their Content-Digest) and hand yoga those same bytes, check the signature
 * and build the request's context, or end the request with the refusal; after it ran, add the
 * response headers the directives reported (RateLimit, Idempotent-Replayed).
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

function refusalResponse(refusal: HttpRefusal, headers: Readonly<Record<string, string>> = {}): Response {
  return Response.json({ errors: [{ message: refusal.message, extensions: refusal.extensions }] }, { status: refusal.status, headers });
}

/** 413, closing the connection: the rest of the body stays unread, so no other request can follow on it. */
function bodyTooLarge(): Response {
  return refusalResponse({ status: 413, message: 'Body too large.', extensions: { code: 'PAYLOAD_TOO_LARGE' } }, { connection: 'close' });
}

/**
 * The exact body bytes, or null once they pass `limit`. Read chunk by chunk: a chunked body has no
 * Content-Length to check first, so only a running total keeps it from being read whole. (An
 * `ArrayBuffer`-backed array: it becomes the body of the request yoga parses.)
 */
async function readRawBody(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  if (Number(request.headers.get('content-length') ?? '0') > limit) return null;
  if (request.body === null) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    size += next.value.byteLength;
    if (size > limit) {
      await reader.cancel(); // the rest of the body is never read
      return null;
    }
    chunks.push(next.value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** The plugin, and the context factory that hands yoga each request's context. */
export function requestPlugin(authenticate: Authenticate): { plugin: Plugin<PaymentsContext, NodeServerContext>; contextOf(request: Request): PaymentsContext } {
  const contexts = new WeakMap<Request, PaymentsContext>();
  // Each request's answer `data`, for the headers that depend on it (Idempotent-Replayed).
  const answered = new WeakMap<Request, Record<string, unknown> | null | undefined>();

  const plugin: Plugin<PaymentsContext, NodeServerContext> = {
    async onRequest({ request: received, setRequest, fetchAPI, url, serverContext, endResponse }) {
      let request = received;
      let rawBody = new Uint8Array();
      if (request.method === 'POST') {
        const read = await readRawBody(request, MAX_BODY_BYTES);
        if (read === null) return endResponse(bodyTooLarge());
        rawBody = read;
        // The body stream is used up: yoga gets a request carrying the bytes read, so it parses
        // exactly the bytes whose digest the signature check covers.
        request = new fetchAPI.Request(request.url, { method: request.method, headers: request.headers, body: rawBody, signal: request.signal });
        setRequest(request);
      }
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
    onExecute() {
      return {
        onExecuteDone({ args, result }) {
          // Yoga's context is its own object with the request in it, not the one contextOf returns.
          const { request } = args.contextValue as { request: Request };
          if (!(Symbol.asyncIterator in result)) answered.set(request, result.data);
        },
      };
    },
    onResponse({ request, response }) {
      const context = contexts.get(request);
      if (context === undefined) return;
      for (const [name, value] of Object.entries(reportedHeaders(context, answered.get(request)))) response.headers.set(name, value);
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
