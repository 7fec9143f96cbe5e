import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ERROR_CODES, ErrorCode, isRetryable, refusalStatus } from '../../errors';
import { UNAVAILABLE_MESSAGE } from '../graphql/format-error';
import { classifyInfrastructureFailure } from '../graphql/infrastructure-errors';
import { errorMediaType } from './error-media-type';
import { noteRefusalCode } from './sent-errors';
import { createDependencyWarnings, type DependencyWarnings } from '../../dependency-warnings';

/** A whole-request rejection, shaped like a GraphQL error response so clients parse one format. */
export function errorBody(code: ErrorCode, message: string, requestId: string, extra: Record<string, unknown> = {}) {
  return { errors: [{ message, extensions: { code, retryable: isRetryable(code), requestId, ...extra } }] };
}

/** Adds `Accept` to the reply's `Vary` (RFC 9110 §12.5.5): its media type was chosen by the request's Accept. */
export function varyOnAccept(reply: FastifyReply): FastifyReply {
  const current = reply.getHeader('vary');
  const listed = Array.isArray(current) ? current.join(', ') : current === undefined ? '' : String(current);
  if (/(?:^|,)\s*(?:\*|accept)\s*(?:,|$)/i.test(listed)) return reply;
  return reply.header('vary', listed.trim() === '' ? 'Accept' : `${listed}, Accept`);
}

function send(reply: FastifyReply, status: number, code: ErrorCode, message: string, extra: Record<string, unknown>): FastifyReply {
  // Counted in signet_graphql_errors_total once the answer is sent (sent-errors.ts).
  if (!reply.sent) noteRefusalCode(reply.request, code);
  return varyOnAccept(reply).status(status).type(errorMediaType(reply.request.headers.accept)).send(errorBody(code, message, reply.request.id, extra));
}

/**
 * Sends a whole-request refusal: the code's status from the error table, the {@link errorBody}
 * and the media type the request's Accept asks for. Every `errors` body the HTTP layer sends
 * leaves through here.
 */
export function sendError(reply: FastifyReply, code: ErrorCode, message: string, extra: Record<string, unknown> = {}): FastifyReply {
  return send(reply, refusalStatus(code), code, message, extra);
}

/** The 406 of BAD_REQUEST (one of its statuses in the error table). */
const NOT_ACCEPTABLE = 406;
if (!ERROR_CODES[ErrorCode.BAD_REQUEST].otherStatuses.includes(NOT_ACCEPTABLE)) throw new Error('the error table no longer gives BAD_REQUEST a 406');

/**
 * 406 BAD_REQUEST for a /graphql request whose Accept allows neither GraphQL media type, sent
 * before anything ran; the body is application/json, the one type such a client may still read.
 */
export function sendNotAcceptable(reply: FastifyReply): FastifyReply {
  return send(reply, NOT_ACCEPTABLE, ErrorCode.BAD_REQUEST, 'Not acceptable: /graphql answers application/graphql-response+json or application/json, and this Accept allows neither. Nothing was run.', {});
}

/** Fastify's client-error statuses, by the code that carries each (the table gives each code that status). */
const BY_STATUS: Record<number, [ErrorCode, string]> = {
  400: [ErrorCode.BAD_REQUEST, 'Malformed request body.'],
  404: [ErrorCode.NOT_FOUND, 'Not found.'],
  405: [ErrorCode.METHOD_NOT_ALLOWED, 'Method not allowed.'],
  413: [ErrorCode.PAYLOAD_TOO_LARGE, 'Request body too large.'],
  415: [ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Unsupported content type; send application/json.'],
};

/**
 * A refusal of the request body whose message is written for the client (a body parser's own:
 * a charset other than UTF-8, bytes that are not UTF-8), answered with its status's code.
 */
export class RequestBodyRefused extends Error {
  constructor(readonly statusCode: 400 | 415, readonly clientMessage: string) {
    super(clientMessage);
  }
}

/**
 * Fastify error handler: known client errors keep a safe message; a dependency failure in a hook
 * is 503 SERVICE_UNAVAILABLE (retryable), reported to `warnings` (counted each, logged at most once
 * a minute); everything else is logged and masked as a 500.
 * `beforeRefusal` runs first, whatever the answer: the server's retirement of a refused signature
 * (a body parser's 415 for a Content-Type the signature does not cover, say).
 */
export function createHttpErrorHandler(logger: Logger, beforeRefusal?: (request: FastifyRequest) => Promise<void>, warnings: DependencyWarnings = createDependencyWarnings({ logger })) {
  return async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    await beforeRefusal?.(request);
    const status = error.statusCode ?? 500;
    const known = BY_STATUS[status];
    if (known && status < 500) {
      return sendError(reply, known[0], error instanceof RequestBodyRefused ? error.clientMessage : known[1]);
    }
    const infrastructure = classifyInfrastructureFailure(error);
    if (infrastructure) {
      warnings.failed({ dependency: infrastructure.dependency, operation: 'before-graphql', kind: infrastructure.reason, error, level: 'error', reqId: request.id, fields: { reason: infrastructure.reason } }, 'dependency failure before GraphQL; 503');
      return sendError(reply.header('retry-after', '1'), ErrorCode.SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE, { retryAfter: 1 });
    }
    logger.error({ err: error, reqId: request.id }, 'unhandled HTTP error');
    return sendError(reply, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
  };
}
