import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { SignetMetrics } from '../../metrics';
import { ErrorCode, refusalStatus } from '../../errors';
import { errorMediaType } from './error-media-type';
import { errorBody } from './http-errors';

/**
 * Deadlines of the HTTP layer, against slow or stalled clients. The server's own work is
 * bounded by each dependency's timeout instead (see the README, "Failure behaviour"): a
 * handler is never cut off mid-transaction, where the client could not know what committed.
 */
export const HTTP_TIMEOUTS: Readonly<HttpTimeouts> = Object.freeze({ requestMs: 10_000, connectionMs: 30_000, checkIntervalMs: 1_000 });

/** Deadlines against slow clients, in ms. */
export interface HttpTimeouts {
  /** Longest time to receive the request headers, and then again the body. Defaults to 10 s each. */
  readonly requestMs: number;
  /** A socket with no traffic either way for this long is closed, even mid-request. Defaults to 30 s. */
  readonly connectionMs: number;
  /** How often the header deadline is checked (Node's default of 30 s is far too coarse). Defaults to 1 s. */
  readonly checkIntervalMs: number;
}

/** Node errors on a connection before Fastify has a request for it, answered with Signet's error shape. */
const BY_NODE_CODE: Record<string, [number, ErrorCode, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [refusalStatus(ErrorCode.REQUEST_TIMEOUT), ErrorCode.REQUEST_TIMEOUT, 'The request was not received in time; send it again.'],
  // One of BAD_REQUEST's other statuses in the error table: the request is refused for its size, not its shape.
  HPE_HEADER_OVERFLOW: [431, ErrorCode.BAD_REQUEST, 'Request headers too large.'],
};

/**
 * The answer to a request whose head had only partly arrived when the server began shutting down:
 * a request not received in time (the time left became none), not SHUTTING_DOWN, whose answer
 * promises its signature used up and which the SDK retries even for an unkeyed mutation; a head
 * not read whole has no signature to use up.
 */
const CUT_BY_SHUTDOWN: [number, ErrorCode, string] = [refusalStatus(ErrorCode.REQUEST_TIMEOUT), ErrorCode.REQUEST_TIMEOUT, 'The server began shutting down before the request arrived whole; nothing ran. Send it again on a new connection.'];

/** A client error as Node (or {@link cutByShutdown}) raises it. */
type ClientError = Error & { code?: string; rawPacket?: unknown; bytesParsed?: unknown; cutByShutdown?: true };

/**
 * The client error a closing server raises on a connection whose request head had only partly
 * arrived (end-connections-on-close.ts). Node's code for a request not received in time, so any
 * server's client error handler answers it as its header deadline would (408); this one says why.
 */
export function cutByShutdown(): Error & { code: string } {
  return Object.assign(new Error('the server began shutting down before the request arrived whole'), { code: 'ERR_HTTP_REQUEST_TIMEOUT', cutByShutdown: true as const });
}

/** The answer to a request line over Node's header limit by itself: a URL too long (414; the query belongs in a POST body). */
const TARGET_TOO_LONG: [number, ErrorCode, string] = [414, ErrorCode.BAD_REQUEST, 'Request target too long: send the operation in a POST body.'];

/** The start of a request line that has not ended: a method, a space, then target bytes and no line break. */
const UNENDED_REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ [^\r\n]*$/;

/**
 * Whether a header overflow happened in the request target. Node's parser gives up at the end of
 * the span that crossed its limit (`bytesParsed`, an offset into `rawPacket`, the chunk it was
 * parsing): when that chunk starts a request and has no line break before that offset, the span
 * was the target. Node tells no more, so a request line that arrived over several reads (the
 * overflow in a later one, which starts mid-target) is not recognised and stays 431.
 */
function requestLineOverflowed(error: Error & { rawPacket?: unknown; bytesParsed?: unknown }): boolean {
  const { rawPacket: packet, bytesParsed } = error;
  if (!Buffer.isBuffer(packet) || typeof bytesParsed !== 'number') return false;
  return UNENDED_REQUEST_LINE.test(packet.subarray(0, bytesParsed).toString('latin1'));
}

/**
 * Fastify's `clientErrorHandler`: a stalled, garbled or oversized request on the raw socket (or one
 * whose head was still arriving when the server began shutting down) gets the same JSON error body
 * as every other rejection (never Node's bare text), then the socket is closed. Nothing of the
 * request ran: the HTTP parser gave up before any handler saw it whole.
 * `accept` is the request's Accept when its headers were parsed (a body that never arrived);
 * before that there is none, and the body goes out as application/json. Each refusal is counted by
 * status in `signet_http_client_errors_total` and its code in `signet_graphql_errors_total`.
 */
export function createClientErrorHandler(logger: Logger, metrics?: SignetMetrics) {
  return (error: ClientError, socket: Socket, accept?: string, knownRequestId?: string): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, code, message] = error.cutByShutdown ? CUT_BY_SHUTDOWN
      : error.code === 'HPE_HEADER_OVERFLOW' && requestLineOverflowed(error) ? TARGET_TOO_LONG
      : BY_NODE_CODE[error.code ?? ''] ?? [refusalStatus(ErrorCode.BAD_REQUEST), ErrorCode.BAD_REQUEST, 'Malformed HTTP request.'];
    // A request whose headers Fastify read (its body deadline passed) keeps the id it was logged under.
    const requestId = knownRequestId ?? randomUUID();
    logger.info({ event: 'client_error', code: error.code, status, reqId: requestId }, 'connection-level client error');
    // A response already under way owns the socket; writing into it would corrupt it.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      metrics?.httpClientErrors.inc({ status: String(status) });
      metrics?.graphqlErrors.inc({ code });
      const body = JSON.stringify(errorBody(code, message, requestId));
      // Date: RFC 9110 §6.6.1 (every 4xx from a server with a clock). Vary: the media type follows Accept when it was read.
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nDate: ${new Date().toUTCString()}\r\nContent-Type: ${errorMediaType(accept)}\r\nVary: Accept\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`);
    }
    socket.destroy();
  };
}

/** Requests whose connection the server closed itself, past their body deadline: not a client's abort. */
const cutOffByServer = new WeakSet<IncomingMessage>();

/** Whether the server ended this request itself (its body deadline passed): its abort is not the client's. */
export function endedByServer(request: IncomingMessage): boolean {
  return cutOffByServer.has(request);
}

/**
 * Node's `requestTimeout` stops guarding once the headers are parsed, so a body dripped a byte at
 * a time would hold a connection for hours. This gives the body its own deadline from the moment
 * the headers arrived: past it, the client gets the 408 above (under the request's id) and the
 * socket is closed.
 */
export function armBodyDeadline(request: IncomingMessage, ms: number, onTimeout: (error: Error & { code: string }, socket: Socket, accept?: string, requestId?: string) => void, requestId?: string): void {
  if (request.complete) return;
  const timer = setTimeout(() => {
    if (request.complete) return;
    cutOffByServer.add(request);
    onTimeout(Object.assign(new Error('request body not received in time'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), request.socket, request.headers.accept, requestId);
  }, ms);
  timer.unref();
  const disarm = () => clearTimeout(timer);
  request.once('end', disarm);
  request.once('close', disarm);
}
