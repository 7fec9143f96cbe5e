/**
 * The codes of the `errors` body a request's answer carries, noted by whatever wrote the body and
 * counted once, when the answer has been sent (request-metrics.ts): the HTTP layer's refusals
 * (`sendError`), and Apollo's answers through its formatError (the request scope holds this list).
 * The raw-socket refusals of client-errors.ts have no request and count themselves.
 */
import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The codes of the `errors` body of this request's answer, once one was written. */
    errorCodesSent?: string[];
  }
}

/** The request's list of sent codes, created empty: GraphQL appends to it as it formats each error. */
export function sentErrorCodes(request: FastifyRequest): string[] {
  request.errorCodesSent ??= [];
  return request.errorCodesSent;
}

/**
 * A whole-request refusal's code: its body replaces whatever the request had written before (an
 * error handler's answer after GraphQL formatted some), so only the body sent is counted.
 */
export function noteRefusalCode(request: FastifyRequest, code: string): void {
  request.errorCodesSent = [code];
}
