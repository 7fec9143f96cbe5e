/**
 * Fastify's per-request logging, bounded: one line per request, written when it ends, whose
 * `req` holds the method, the path without its query string and the Host, each cut to a few
 * hundred characters (client-address.ts), with the request id (`reqId`), status and response
 * time; a request the client gave up on gets its line then ("request aborted"). A probe that
 * answered well (/healthz, /readyz under 400) writes its line at debug, not info. At debug level a
 * request also gets a line as soon as its headers are parsed ("incoming request"). Fastify's
 * default writes "incoming request" and then "request completed" at info, each with the full URL
 * and Host: about 15 KB per request for a client that pads either, on routes no limit covers
 * (/healthz) and on 429s alike.
 */
import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { serializeRequestForLog } from './client-address';
import { isProbe } from './health';
import { endedByServer } from './client-errors';
import { serializeErrorForLog } from '../../error-log';

/**
 * Who did what, on a request's last line: the key and account of a signature that verified (its
 * admission may still have refused it: the status says), the GraphQL operation it ran (type,
 * name cut short, root fields) and the codes of its errors, so the request log alone answers
 * "which key did what from where, and what was it told".
 */
function accessFields(request: FastifyRequest): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (request.principal) {
    fields.keyId = request.principal.keyId;
    fields.accountId = request.principal.accountId;
  }
  if (request.graphqlOperation) fields.operation = request.graphqlOperation;
  // The codes of the answer's `errors`, so a request answered SERVICE_UNAVAILABLE is found by its
  // own line when the failure behind it was one of many logged once a minute (dependency-warnings.ts).
  if (request.errorCodesSent && request.errorCodesSent.length > 0) fields.errorCodes = [...new Set(request.errorCodesSent)];
  return fields;
}

/** One line per request when it ends ("request completed" or "request errored"); at debug level, one when it comes in too. */
class BoundedRequestLog extends LogController {
  /** Debug only: it shows requests in flight (a hang, a drain), and doubles the lines. */
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime, ...accessFields(request) }, 'request errored');
    // An orchestrator probes every few seconds: a probe that found the process well is debug, one that did not is info.
    else if (isProbe(request) && reply.statusCode < 400) reply.log.debug({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime, ...accessFields(request) }, 'request completed');
  }

  /** Only Fastify's default 404 handler calls this (Signet has its own); it would write the raw URL. */
  override routeNotFound(request: FastifyRequest): void {
    request.log.info({ req: request }, 'route not found');
  }
}

/** The log controller of Signet's public listener. */
export function createRequestLogController(): LogController {
  return new BoundedRequestLog();
}

/**
 * The line of a request the client gave up on before its answer ("request aborted"): with no
 * "incoming request" line at info, it would otherwise leave no trace (its response never finishes).
 */
export function logAbortedRequests(app: FastifyInstance): void {
  app.addHook('onRequestAbort', async (request) => {
    // The server's own body deadline closed it: its 408 was written on the socket, and logged there.
    if (endedByServer(request.raw)) request.log.info({ req: request, res: { statusCode: 408 } }, 'request timed out');
    else request.log.info({ req: request }, 'request aborted');
  });
}

/**
 * The logger Fastify writes request lines with: `logger` with the bounded `req` serializer and the
 * `err` one that drops what a driver's error carries, whatever serializers the caller's logger has
 * (the process logger has them already; a test's may not).
 */
export function requestLogger(logger: Logger): Logger {
  return logger.child({}, { serializers: { req: serializeRequestForLog, err: serializeErrorForLog } });
}
