import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { SignetMetrics } from '../../metrics';
import { ErrorCode } from '../../errors';
import { sendError } from './http-errors';

/** What a client is told when its request target cannot be routed: the path does not decode. */
export const BAD_TARGET_MESSAGE = 'The request target is not a valid path: a percent sign must start a %XX escape of UTF-8 (RFC 3986 §2.1). Nothing was run.';

/**
 * Fastify's `frameworkErrors`: the router refuses a request before any route or hook sees it
 * (a path whose percent-encoding does not decode, `/graphql%`; an absolute-form target it cannot
 * parse). Without this Fastify answers its own body (`FST_ERR_BAD_URL`, the path echoed back, no
 * `errors`, request id or media type), which no client written against ERRORS.md parses. It gets
 * BAD_REQUEST in the error format instead, with its `X-Request-Id`, and is counted with the other
 * requests refused before they were routed (`signet_http_client_errors_total{status="400"}`, and
 * its code in `signet_graphql_errors_total`). No hook runs for it, the per-IP limit's and the
 * request log's included, so this writes its one line (bounded `req`, as the request log's) and
 * counts it: like a garbled request line, it is refused before any work, and it reads no store.
 */
export function createFrameworkErrorHandler(metrics?: SignetMetrics) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    reply.header('x-request-id', request.id);
    if (error.code !== 'FST_ERR_BAD_URL') {
      // The router's other refusals need a parametric route (FST_ERR_MAX_PARAM_LENGTH) or a route
      // constraint (FST_ERR_ASYNC_CONSTRAINT), which no route here has: if one comes, it is this
      // server's own error, logged and masked as any other.
      request.log.error({ err: error, req: request }, 'router error before any route');
      metrics?.graphqlErrors.inc({ code: ErrorCode.INTERNAL_SERVER_ERROR });
      sendError(reply, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
      return;
    }
    request.log.info({ event: 'client_error', code: error.code, req: request, res: { statusCode: 400 } }, 'request target refused before routing');
    metrics?.httpClientErrors.inc({ status: '400' });
    metrics?.graphqlErrors.inc({ code: ErrorCode.BAD_REQUEST });
    sendError(reply, ErrorCode.BAD_REQUEST, BAD_TARGET_MESSAGE);
  };
}
