import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { SignetMetrics } from '../../metrics';
import { createAddressMatcher } from './ip-ranges';
import { ErrorCode, refusalStatus } from '../../errors';
import { errorBody } from './http-errors';
import { endConnectionsOnClose } from './end-connections-on-close';

async function sendRegistry(reply: FastifyReply, registry: Registry): Promise<FastifyReply> {
  return reply.type(registry.contentType).header('cache-control', 'no-store').send(await registry.metrics());
}

/**
 * GET /metrics on the public port, for clients whose canonical address (`request.clientIp`,
 * so behind a proxy the forwarded client, never the proxy) lies in `allow`. Anyone else gets the
 * same 404 as an unknown path: the endpoint's existence is not advertised. An empty `allow`
 * registers nothing. Build details (`nodejs_version_info`) are never served here.
 */
export function registerPublicMetrics(app: FastifyInstance, metrics: SignetMetrics, allow: readonly string[]): void {
  if (allow.length === 0) return;
  const allowed = createAddressMatcher(allow);
  app.get('/metrics', async (request, reply) => {
    if (!allowed(request.clientIp)) return reply.callNotFound();
    return sendRegistry(reply, metrics.registry);
  });
}

/**
 * The operator listener (SIGNET_METRICS_LISTEN): a separate Fastify app serving only GET /metrics,
 * with the runtime version, for a scraper on a private interface. Not yet listening; whoever owns
 * the Signet server closes it with the server.
 */
export function createMetricsListener(metrics: SignetMetrics, logger: Logger): FastifyInstance {
  // Scrapes are not logged per request (through logController: the top-level option is deprecated and warns on stderr).
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), return503OnClosing: true });
  endConnectionsOnClose(app);
  app.get('/metrics', async (_request, reply) => sendRegistry(reply, metrics.operatorView()));
  app.setNotFoundHandler((request, reply) => {
    reply.status(refusalStatus(ErrorCode.NOT_FOUND)).send(errorBody(ErrorCode.NOT_FOUND, 'Not found.', request.id));
  });
  return app;
}
