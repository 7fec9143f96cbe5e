/**
 * The HTTP side of /graphql that Apollo Server does not do the way Signet needs: one negotiation
 * of `Accept` before anything runs, one media type and `Vary: Accept` on every answer, HEAD
 * answered as GET, and empty optional GET parameters read as absent.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { negotiateGraphQLMediaType } from './error-media-type';
import { ErrorCode } from '../../errors';
import { sendError, sendNotAcceptable, varyOnAccept } from './http-errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** The media type of this /graphql request's answer, negotiated once from its Accept before anything ran. */
    graphqlMediaType?: string;
  }
}

/** The methods /graphql answers, as its `Allow` header lists them (HEAD: a GET without content, RFC 9110 §9.3.2). */
export const GRAPHQL_METHODS = 'GET, HEAD, POST, OPTIONS';

/**
 * Negotiates the answer's media type for a /graphql request, in the route's onRequest: before the
 * body is read, the signature checked or the operation run. An Accept that allows neither GraphQL
 * type gets 406 here and nothing runs (Apollo Server decides that only after executing, so a
 * mutation would commit behind a 406). A signed one has its nonce retired first, as every
 * refusal before admission whose bytes could pass later: Accept is not signed, so the same
 * captured bytes with another Accept must not run after the client was told they did not.
 * Returns true when it replied.
 */
export async function negotiateOrRefuse(request: FastifyRequest, reply: FastifyReply, retire: () => Promise<void>): Promise<boolean> {
  const mediaType = negotiateGraphQLMediaType(request.headers.accept);
  if (mediaType !== null) {
    request.graphqlMediaType = mediaType;
    return false;
  }
  await retire();
  await sendNotAcceptable(reply);
  return true;
}

/** Whether the request asks to switch to WebSocket (RFC 6455 §4.1: `Upgrade` lists `websocket`, in any case). */
function asksForWebSocket(request: FastifyRequest): boolean {
  const upgrade = request.headers.upgrade;
  return typeof upgrade === 'string' && upgrade.split(',').some((protocol) => protocol.trim().toLowerCase().split('/')[0] === 'websocket');
}

/**
 * Refuses a WebSocket handshake on /graphql (a graphql-ws or subscriptions-transport-ws client)
 * with a message that says so: Node hands an upgrade no listener takes to the route as a GET, and
 * Apollo's answer to it was its CSRF refusal, which tells such a client nothing. The signature of
 * a signed one is retired, as every refusal before admission (`Upgrade` is not signed). Returns
 * true when it replied.
 */
export async function refuseWebSocket(request: FastifyRequest, reply: FastifyReply, retire: () => Promise<void>): Promise<boolean> {
  if (!asksForWebSocket(request)) return false;
  await retire();
  await sendError(reply, ErrorCode.BAD_REQUEST, 'WebSocket is not served: /graphql answers GraphQL over HTTP only (POST, or GET for queries), and the schema has no subscriptions. Nothing was run.');
  return true;
}

/** The media-type essences of a GraphQL JSON answer (Apollo's and Signet's, with any parameters). */
const GRAPHQL_JSON = /^\s*application\/(?:json|graphql-response\+json)\s*(?:;|$)/i;

/**
 * The /graphql route's onSend: every answer varies with Accept (JSON flavour, or the playground's
 * HTML), and every GraphQL JSON answer, Apollo's own refusals (CSRF, GET mutation, malformed
 * parameters) included, takes the one negotiated media type: Apollo's negotiator requires
 * media-type parameters to match and would otherwise pick differently for the same Accept.
 */
export async function graphqlOnSend(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  varyOnAccept(reply);
  const type = reply.getHeader('content-type');
  if (request.graphqlMediaType !== undefined && typeof type === 'string' && GRAPHQL_JSON.test(type)) reply.header('content-type', request.graphqlMediaType);
  return payload;
}

/** GET parameters that are optional: the GraphQL-over-HTTP spec reads an empty value as absent. */
const OPTIONAL_PARAMETERS: ReadonlySet<string> = new Set(['operationName', 'variables', 'extensions']);

/** The request target with empty optional GET parameters left out, or null when there are none. */
export function withoutEmptyOptionalParameters(url: string): string | null {
  const q = url.indexOf('?');
  if (q === -1) return null;
  const params = [...new URLSearchParams(url.slice(q + 1))];
  const kept = params.filter(([name, value]) => !(value === '' && OPTIONAL_PARAMETERS.has(name)));
  if (kept.length === params.length) return null;
  const search = new URLSearchParams(kept).toString();
  return search === '' ? url.slice(0, q) : `${url.slice(0, q)}?${search}`;
}

/**
 * The request as Apollo should read it: a HEAD as the GET it mirrors (Apollo refuses any method
 * but GET and POST; Node sends no content for a HEAD whatever the handler writes), and a GET's
 * empty `operationName=`, `variables=` or `extensions=` left out (Apollo would look up an operation
 * named "" or parse "" as JSON). Its scheme and host are always `http://localhost`: Apollo's
 * Fastify integration builds a URL from them only to read the query string, and a Host that is
 * not one (`a b`, `[`, none from an HTTP/1.0 client) or, behind a trusted proxy, an
 * `X-Forwarded-Proto` that is not a scheme threw there, a 500 logged as an error. Only Apollo's view
 * changes: the signature was verified, and its admission built, over the request as sent.
 */
export function apolloView(request: FastifyRequest): FastifyRequest {
  const overrides: PropertyDescriptorMap = { protocol: { value: 'http' }, hostname: { value: 'localhost' } };
  if (request.method === 'HEAD') overrides.method = { value: 'GET' };
  if (request.method === 'GET' || request.method === 'HEAD') {
    const url = withoutEmptyOptionalParameters(request.url);
    if (url !== null) overrides.url = { value: url };
  }
  return Object.create(request, overrides);
}

/** A HEAD request seen as its GET (what the playground's HTML check reads), otherwise the request itself. */
export function asGet(request: FastifyRequest): FastifyRequest {
  return request.method === 'HEAD' ? Object.create(request, { method: { value: 'GET' } }) : request;
}
