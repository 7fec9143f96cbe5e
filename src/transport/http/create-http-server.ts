// The handler form (not the plugin) so the request scope can wrap it.
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type RouteHandlerMethod } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { actingAs, type DomainServices, type Principal } from '../../domain';
import type { SignetMetrics } from '../../metrics';
import { hasSignatureHeaders, type AuthOutcome } from './signature-auth';
import type { RequestAdmission } from '../admission';
import { rateLimitHeaderFields, type RequestLimiter } from './request-limits';
import type { RateLimitHeaderEntry } from '@signet/rate-limit';
import type { DirectiveDeps } from '../../directives';
import { emptyExchange, type GraphQLContext } from '../graphql/context';
import { createApolloServer } from '../graphql/create-apollo-server';
import { orderListBounds } from '../graphql/query-cost';
import { requestScope, type OperationSummary } from '../request-scope';
import { createHttpErrorHandler, sendError } from './http-errors';
import { createDependencyWarnings } from '../../dependency-warnings';
import { createFrameworkErrorHandler } from './framework-errors';
import { sentErrorCodes } from './sent-errors';
import { jsonBodyRefusal } from './json-body';
import { hostLineCount } from './field-lines';
import { answerExpectContinue } from './expect-continue';
import { ErrorCode } from '../../errors';
import { HTTP_TIMEOUTS, armBodyDeadline, createClientErrorHandler, type HttpTimeouts } from './client-errors';
import { LANDING_PAGE } from './landing-page';
import { prefersHtml, registerPlayground } from '../playground';
import { requestIdFor } from './request-id';
import { isProbe, registerHealthRoutes, type ReadinessCheck } from './health';
import { CLIENT_ADDRESS_DEFAULTS, fastifyTrustProxy, registerClientAddress, type ClientAddressOptions } from './client-address';
import { registerPublicMetrics } from './metrics-routes';
import { recordRequestMetrics } from './request-metrics';
import { endConnectionsOnClose } from './end-connections-on-close';
import { CONNECTION_LIMITS, limitConnections, type ConnectionLimits } from './connection-limits';
import { GRAPHQL_METHODS, apolloView, asGet, graphqlOnSend, negotiateOrRefuse, refuseWebSocket } from './graphql-route';
import { createRequestLogController, logAbortedRequests, requestLogger } from './request-log';

/** The methods of /graphql that verify a signature (GET also answers HEAD). */
const SIGNED_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST']);

/** Largest request body accepted; larger bodies get 413 before parsing. */
export const BODY_LIMIT_BYTES = 64 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received, for Content-Digest verification. */
    rawBody?: Buffer;
    /** The verified caller; set only by signature authentication. */
    principal?: Principal | null;
    /** A verified request's admission (nonce claim, limits), run by GraphQL once the operation is known. */
    admission?: RequestAdmission;
    /** The key whose signature verified; the request's transactions hold it live (domain/acting-key.ts). */
    actingKeyId?: string;
    /** Whether the request has been counted against its address's limit (or refused before its body was read). */
    addressCounted?: boolean;
    /** Whether the request went past the per-IP layer uncounted on its address's allowance, its count not yet settled (address-allowance.ts). */
    addressPass?: boolean;
    /** The request layers' decisions taken before GraphQL (per IP, unsigned): reported in the RateLimit headers. */
    requestRateLimits?: RateLimitHeaderEntry[];
    /** The GraphQL operation the request ran, once resolved: on its access line (request-log.ts). */
    graphqlOperation?: OperationSummary;
  }
}

/** What the HTTP server needs. */
export interface HttpServerDeps {
  readonly schema: GraphQLSchema;
  readonly services: DomainServices;
  readonly logger: Logger;
  readonly introspection: boolean;
  readonly development: boolean;
  /** Dependencies /readyz checks. */
  readonly readiness: readonly ReadinessCheck[];
  /**
   * Identifies the caller before GraphQL runs: a principal, null when unsigned, or 'replied'
   * when it refused the request itself (401/429/503). Only signature verification sets a principal;
   * without it every request is unsigned.
   */
  readonly authenticate?: (request: FastifyRequest, reply: FastifyReply) => Promise<AuthOutcome>;
  /** Stores and policy of the directives. */
  readonly directives: DirectiveDeps;
  /** Per-IP request limit of every route but the probes (signed GraphQL requests spend theirs in their admission). */
  readonly requestLimiter?: RequestLimiter;
  /** Claims the nonce of a signed request refused before its admission, so its bytes never run later. */
  readonly retireSignature?: (request: FastifyRequest) => Promise<void>;
  /** Which proxies name the client, and how addresses group into limit subjects; defaults to CLIENT_ADDRESS_DEFAULTS. */
  readonly clientAddress?: ClientAddressOptions;
  /** Counters served at GET /metrics, to clients in `metricsAllow`. */
  readonly metrics?: SignetMetrics;
  /** Client address ranges that may GET /metrics on this port; empty or absent: not served here. */
  readonly metricsAllow?: readonly string[];
  /** Slow-client deadlines; defaults to HTTP_TIMEOUTS (tests shorten them). */
  readonly httpTimeouts?: Partial<HttpTimeouts>;
  /** Connections open at once, per TCP peer and in all; defaults to CONNECTION_LIMITS. */
  readonly connectionLimits?: ConnectionLimits;
  /** True while the server drains before it stops (/readyz 503, each answer closes its connection). Defaults to never. */
  readonly draining?: () => boolean;
}

/** The methods a 405 may name for a known path. */
const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
/** Paths whose `Allow` is not what their routes say: /graphql has routes only to refuse PUT, DELETE and PATCH. */
const ALLOW_BY_PATH: ReadonlyMap<string, string> = new Map([['/graphql', GRAPHQL_METHODS]]);

/** Builds the Fastify app with Apollo on /graphql, health routes, the landing page and (with introspection) the playground. Not yet listening. */
export async function createHttpServer(deps: HttpServerDeps): Promise<FastifyInstance> {
  const clientErrorHandler = createClientErrorHandler(deps.logger, deps.metrics);
  const clientAddress = deps.clientAddress ?? CLIENT_ADDRESS_DEFAULTS;
  const idleMs = deps.httpTimeouts?.connectionMs ?? HTTP_TIMEOUTS.connectionMs;
  const app = Fastify({
    loggerInstance: requestLogger(deps.logger) as FastifyBaseLogger,
    // One bounded line per request, when it ends (request-log.ts).
    logController: createRequestLogController(),
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: requestIdFor,
    // Off: a request arriving while closing is refused in the error format (end-connections-on-close.ts).
    return503OnClosing: false,
    trustProxy: fastifyTrustProxy(clientAddress.trustProxy),
    // Slow clients: a request must arrive whole in time, an idle socket is closed (client-errors.ts).
    requestTimeout: deps.httpTimeouts?.requestMs ?? HTTP_TIMEOUTS.requestMs,
    connectionTimeout: idleMs,
    // Between two requests of a keep-alive connection too (Fastify's default is 72 s).
    keepAliveTimeout: idleMs,
    http: { connectionsCheckingInterval: deps.httpTimeouts?.checkIntervalMs ?? HTTP_TIMEOUTS.checkIntervalMs },
    clientErrorHandler,
    // A target the router cannot decode gets the error format, not Fastify's own body (framework-errors.ts).
    frameworkErrors: createFrameworkErrorHandler(deps.metrics),
  });
  logAbortedRequests(app);
  answerExpectContinue(app.server, BODY_LIMIT_BYTES);
  limitConnections(app.server, deps.connectionLimits ?? CONNECTION_LIMITS, { ipv6LimitPrefix: clientAddress.ipv6LimitPrefix, logger: app.log, metrics: deps.metrics });
  // A signed /graphql request refused before its admission (a forwarded address that is not one,
  // Content-Encoding, Content-Type or a body Fastify refuses, Accept) has its signature used up
  // first: the headers are not signed, so the same captured bytes with them put right must not run
  // after the client was told nothing ran. A body the digest binds cannot be put right (400, 413):
  // retiring it costs one bounded write.
  const retireRefused = async (request: FastifyRequest): Promise<void> => {
    if (request.routeOptions.url === '/graphql' && hasSignatureHeaders(request) && request.admission === undefined) await deps.retireSignature?.(request);
  };
  // Before any hook that refuses: once closing, a request pipelined behind the answer that closes
  // its connection is not processed at all (nothing refuses it, its signature is not used up).
  const connections = endConnectionsOnClose(app, deps.retireSignature, deps.draining);
  // First hook that reads the request: everything after it reads request.clientIp / clientLimitKey, never request.ip.
  registerClientAddress(app, clientAddress, retireRefused);
  // After the client address: a signed request refused while closing retires its signature within
  // its own address's allowance (before it, every address shared one and ran out at 120 a minute).
  app.addHook('onRequest', connections.refuseWhileClosing);
  app.addHook('onRequest', async (request) => {
    armBodyDeadline(request.raw, deps.httpTimeouts?.requestMs ?? HTTP_TIMEOUTS.requestMs, clientErrorHandler, request.id);
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // RFC 9112 §3.2: a request with more than one Host line is 400. Node keeps the first, a proxy in
  // front may have routed by another, and a signature's @authority is read from one of them.
  app.addHook('onRequest', async (request, reply) => {
    if (hostLineCount(request.raw) <= 1) return;
    await retireRefused(request);
    return sendError(reply, ErrorCode.BAD_REQUEST, 'A request must have one Host field line (RFC 9112 §3.2); this one has several. Nothing was run.');
  });
  if (deps.metrics) recordRequestMetrics(app, deps.metrics);
  // The per-IP layer, on every route (404s and static files too) but the probes, before any body
  // is read: the cheapest possible refusal. A signed GraphQL request spends its address and account
  // limits in its admission instead (one round trip with its nonce and field checks), unless this
  // process already knows the address is over; a "signed" request elsewhere verifies nothing, so it
  // counts as unsigned.
  const requestLimiter = deps.requestLimiter;
  if (requestLimiter) {
    app.addHook('onRequest', async (request, reply) => {
      // The probes are left alone: a probe answered 429 reads as "restart me" (/healthz) or "take
      // me out of rotation" (/readyz), and the prober usually shares its address with others (a
      // node's, a load balancer's, or every client's behind a proxy Signet does not trust), so one
      // noisy client would fail them all. Both are cheap whatever the flood: /healthz does no I/O
      // and /readyz pings its dependencies once a second past a burst of 3 (health.ts); the
      // connection caps bound the sockets polling them.
      if (isProbe(request)) return;
      // Signed as far as the limits go only where a signature can be checked: /graphql's GET, HEAD
      // and POST, whose settling counts them once read. A signed PUT or PATCH (405, but its body is
      // still parsed) is counted here, before its body, as an unsigned request is.
      const signed = request.routeOptions.url === '/graphql' && SIGNED_METHODS.has(request.method) && hasSignatureHeaders(request);
      if (await requestLimiter.checkIp(request, reply, { signed })) {
        // Refused before its body was read: a signed one still has its signature used up.
        if (signed) await deps.retireSignature?.(request);
        return reply;
      }
    });
  }
  // A body must be JSON, as sent: Fastify's own text/plain parser goes, so text/plain is 415 like
  // any other type (it reached Apollo's CSRF refusal unsigned, and a signed one was checked
  // against no body: a correct signature counted as a failed attempt). A compressed body is 415
  // too: nothing here inflates it, and its digest would be of bytes this server never parses.
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (request, reply) => {
    const encoding = request.headers['content-encoding'];
    if (encoding === undefined || encoding.trim().toLowerCase() === 'identity') return;
    await retireRefused(request);
    return sendError(reply, ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Content-Encoding is not supported: send the body uncompressed (identity).');
  });
  // Keep the raw bytes: signatures cover a digest of the body as sent, not of re-serialized JSON.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    request.rawBody = body as Buffer;
    const refusal = jsonBodyRefusal(request.headers['content-type'], body as Buffer);
    if (refusal) return done(refusal, undefined);
    parseJson(request, (body as Buffer).toString('utf8'), done);
  });
  // The same reporter as GraphQL's (the server's, through its directives), or one of its own.
  const warnings = deps.directives.dependencyWarnings ?? createDependencyWarnings({ logger: deps.logger, metrics: deps.metrics });
  app.setErrorHandler(createHttpErrorHandler(deps.logger, retireRefused, warnings));
  app.setNotFoundHandler((request, reply) => {
    // A path that exists with other methods is the wrong method (405 with Allow), not an unknown
    // path. One that exists with this method but sent here is hidden on purpose (/metrics outside
    // its allowlist): 404.
    const path = request.url.split('?')[0];
    const allowed = ALLOW_BY_PATH.get(path)?.split(', ') ?? HTTP_METHODS.filter((method) => app.hasRoute({ method, url: path }));
    if (allowed.length > 0 && !allowed.includes(request.method as (typeof HTTP_METHODS)[number])) return sendError(reply.header('allow', allowed.join(', ')), ErrorCode.METHOD_NOT_ALLOWED, `Method not allowed on ${path.slice(0, 64)}: use ${allowed.join(' or ')}.`);
    return sendError(reply, ErrorCode.NOT_FOUND, 'Not found.');
  });

  const apollo = createApolloServer({
    schema: deps.schema, logger: deps.logger, introspection: deps.introspection, development: deps.development,
    directives: { ...deps.directives, dependencyWarnings: warnings }, metrics: deps.metrics, plugins: [fastifyApolloDrainPlugin(app)], listBounds: orderListBounds(deps.services.orders.maxOpenOrders),
  });
  await apollo.start();
  const authenticate = deps.authenticate ?? (async (): Promise<AuthOutcome> => ({ principal: null }));
  const handler = fastifyApolloHandler(apollo, {
    context: async (request): Promise<GraphQLContext> => {
      const http = emptyExchange(request.clientIp, request.headers, request.clientLimitKey);
      // The request layers that applied, announced beside the fields' limits.
      http.rateLimits.push(...(request.requestRateLimits ?? []));
      return { requestId: request.id, principal: request.principal ?? null, admission: request.admission, services: deps.services, http };
    },
  });
  // The request scope lets formatError stamp every error with the request id. Apollo reads a HEAD
  // as its GET, and a GET without its empty optional parameters (graphql-route.ts).
  // A verified request runs acting with its key: every transaction it begins first holds the key
  // live, so none commits after the key's revocation answered (domain/acting-key.ts).
  const graphqlHandler: RouteHandlerMethod = function (request, reply) {
    const onOperation = (operation: OperationSummary) => { request.graphqlOperation = operation; };
    return requestScope.run({ requestId: request.id, errorCodes: sentErrorCodes(request), onOperation }, () => actingAs(request.actingKeyId ?? null,
      () => handler.call(this, apolloView(request) as Parameters<typeof handler>[0], reply as Parameters<typeof handler>[1])));
  };
  // The playground is a schema explorer: it follows the introspection switch (off by default in production).
  const playground = deps.introspection ? registerPlayground(app) : null;
  // OPTIONS names the methods (RFC 9110 §9.3.7); no CORS headers: browsers on other origins are not served.
  app.options('/graphql', async (_request, reply) => reply.status(204).header('allow', GRAPHQL_METHODS).send());
  /**
   * A verified request that ended before GraphQL resolved an operation (parse or validation error,
   * CSRF, GET mutation) never ran its admission: its gates run now, so it counts. Every signed
   * request that reached the body parser counts against its address, also one refused before or by
   * its admission (unparseable body, bad signature, reused nonce). Each step marks itself done
   * before it awaits, so the onResponse call after onSend finds nothing left.
   */
  const settleSignedRequest = async (request: FastifyRequest, reply?: FastifyReply): Promise<void> => {
    if (request.admission && !request.admission.settled) {
      await request.admission.admit([], { unclassified: true }).catch(() => undefined);
      // Its answer names the limits it spent, as an admitted request's does (none if its store failed).
      if (reply && !reply.sent) reply.headers(rateLimitHeaderFields([...(request.requestRateLimits ?? []), ...request.admission.rateLimits]));
    }
    if (deps.requestLimiter && hasSignatureHeaders(request) && !request.addressCounted && !request.admission?.addressCounted) {
      const counted = await deps.requestLimiter.countIp(request).catch(() => undefined);
      // Announced as an unsigned request's count before its body is.
      if (counted && reply && !reply.sent) reply.headers(rateLimitHeaderFields([counted]));
    }
    deps.requestLimiter?.endPass(request);
  };
  // GET also answers HEAD (Fastify's automatic HEAD route runs these hooks and handler, and sends no content).
  app.route({
    method: ['GET', 'POST'],
    url: '/graphql',
    // Signature verification runs once per HTTP request, before any GraphQL parsing or execution
    // (and after the per-IP layer, a global hook).
    onRequest: async (request, reply) => {
      // A browser opening /graphql gets the playground page instead of Apollo's CSRF refusal.
      // Never to a signed request: the page would answer it without using up its signature.
      if (playground && prefersHtml(asGet(request)) && !hasSignatureHeaders(request)) return playground.sendPage(reply);
      // Accept allows neither GraphQL type: 406 now, before the body is read or anything runs.
      if (await negotiateOrRefuse(request, reply, () => retireRefused(request))) return reply;
      // A WebSocket client (subscriptions): told so, instead of Apollo's CSRF refusal.
      if (await refuseWebSocket(request, reply, () => retireRefused(request))) return reply;
    },
    // What a signed request owes is settled before its answer leaves, so its sender's next request
    // (sent once it has this answer) already sees it, however slow the store.
    onSend: async (request, reply, payload) => {
      await settleSignedRequest(request, reply);
      // The global onSend ran before this one's wait: close() may have begun since.
      connections.endIfClosing(reply);
      return graphqlOnSend(request, reply, payload);
    },
    preHandler: async (request, reply) => {
      const outcome = await authenticate(request, reply);
      if (outcome === 'replied') return reply;
      request.principal = outcome.principal;
      request.admission = outcome.admission;
      request.actingKeyId = outcome.actingKeyId;
    },
    handler: graphqlHandler,
    // A fallback for an answer sent without the onSend hook: nothing is left to settle otherwise.
    onResponse: async (request) => settleSignedRequest(request),
  });
  // Any other method on /graphql is the path's wrong method, not an unknown path (404).
  app.route({
    method: ['PUT', 'DELETE', 'PATCH'],
    url: '/graphql',
    handler: async (_request, reply) => sendError(reply.header('allow', GRAPHQL_METHODS), ErrorCode.METHOD_NOT_ALLOWED, 'Method not allowed on /graphql: use POST, or GET for queries.'),
  });
  if (deps.metrics) registerPublicMetrics(app, deps.metrics, deps.metricsAllow ?? []);
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(LANDING_PAGE));
  registerHealthRoutes(app, deps.readiness, { draining: deps.draining });
  return app;
}
