import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { cutByShutdown } from './client-errors';
import { sendError } from './http-errors';
import { REFUSAL_REASONS, SHUTTING_DOWN } from './refusal-reasons.table';
import { hasSignatureHeaders } from './signature-auth';

/** How often a closing server looks again for connections with no request in flight. */
const SWEEP_EVERY_MS = 100;

/**
 * How long, once closing, a connection owing no more processing may keep answers queued that its
 * client does not take (a peer that stopped reading) before it is ended: it would otherwise hold
 * the server until its idle timeout (30 s), past `serve`'s 10 s grace. Counted in looks of the
 * sweep, so a pause of this process is not put down to the client.
 */
const WRITE_STALL_MS = 2_000;
const WRITE_STALL_LOOKS = Math.ceil(WRITE_STALL_MS / SWEEP_EVERY_MS);

/** Seconds a request refused during shutdown is told to wait (another instance, or the restart). */
const SHUTDOWN_RETRY_AFTER_SECONDS = 1;

/**
 * What Node keeps on a server's socket: the response being written (pipelined ones queue behind it),
 * its HTTP parser, and its libuv handle (`writeQueueSize`: the bytes the kernel has not taken yet).
 */
type HttpSocket = Socket & {
  _httpMessage?: unknown;
  parser?: { incoming?: IncomingMessage | null; unconsume?(): void } | null;
  _handle?: { writeQueueSize?: number } | null;
};

/**
 * Lets `app.close()` finish once the requests in flight are answered, and only them. Node's
 * `server.close()` ends only the keep-alive connections between two requests, and stops the
 * header deadline: a connection that sent nothing, or part of a request head, would hold the
 * server open until its idle timeout (a deploy held 10 s, then reported failed, by one idle or
 * slowloris client). So, once closing: every connection with no request in flight is ended at
 * once (silently when there is no request to answer; a head that had partly arrived gets the 408
 * its header deadline would have given, see `cutByShutdown`: nothing of it ran); the last answer
 * of each connection says `Connection: close` (Node ends the connection after it); and until the
 * server is closed, connections found with no request in flight are looked at again every
 * SWEEP_EVERY_MS (a connection opened meanwhile gets one look's time to deliver its request).
 * Only the answer to the last request read on its connection closes it: Node reads a pipelined
 * request (written before the answer to the one ahead of it) at once and queues its answer behind,
 * and a `close` ahead of it would end the connection with that answer never sent (a request run,
 * or refused with its signature used up, and the client never told). An answer that says `close`
 * is final: a request read on its connection after that is not processed at all (RFC 9112 §9.6;
 * the client, told `close`, knows it went unanswered and may send it again, the same bytes, to
 * another instance), so nothing refuses it and its signature is not used up.
 * A connection whose answers its client stopped taking (it sent requests and does not read the
 * answers: they stay queued on the socket) is ended once none of its requests is still being
 * processed and nothing of its answers has moved for WRITE_STALL_MS (`endStalled`); its answers
 * would otherwise wait for its idle timeout, past the grace. One whose answers move keeps them.
 * A request that arrives once closing (Fastify's `return503OnClosing` is off: its answer is not
 * the error format) is refused before anything of it runs (`refuseWhileClosing`): 503
 * SERVICE_UNAVAILABLE, reason SHUTTING_DOWN, with Retry-After and the request id, as every other
 * refusal. A signed one has its signature used up first (`retireSignature`), as every refusal
 * before verification does: clients re-send it signed again, and the captured bytes must not run
 * on another instance.
 * While `draining()` says so (a stopping server still serving, before close(): see
 * `SIGNET_DRAIN_SECONDS`), requests are served as usual and each connection's last answer says
 * `close` as above, so clients and proxies open their next connection, elsewhere once the
 * listener has gone, instead of keeping one this server is about to end.
 * Register this before any hook that may refuse a request (its first hook leaves alone a request
 * read after its connection's closing answer), and `refuseWhileClosing` where a refusal may run.
 */
export function endConnectionsOnClose(
  app: FastifyInstance, retireSignature?: (request: FastifyRequest) => Promise<void>, draining: () => boolean = () => false,
): ConnectionEnder {
  let closing = false;
  // Whether answers close their connections: once closing, and while draining before it.
  const endingConnections = () => closing || draining();
  const open = new Set<HttpSocket>();
  // When each connection was accepted (monotonic ms): one accepted a moment before closing began
  // has not had time to deliver its request yet (see `fresh`).
  const acceptedAt = new WeakMap<Socket, number>();
  app.server.on('connection', (socket: HttpSocket) => {
    open.add(socket);
    acceptedAt.set(socket, performance.now());
    socket.once('close', () => open.delete(socket));
  });
  // The last request read on each connection (before Fastify's listener sees it), and, once
  // closing, the request whose answer says `close` on it.
  const lastRead = new WeakMap<Socket, IncomingMessage>();
  const closedBy = new WeakMap<Socket, IncomingMessage>();
  // The answers to the requests read on each connection, less those found ended since (a set of
  // one or two, unless the client pipelines): one not ended is a request still being processed.
  const answers = new WeakMap<Socket, Set<ServerResponse>>();
  app.server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    lastRead.set(request.socket, request);
    const pending = answers.get(request.socket);
    if (!pending) {
      answers.set(request.socket, new Set([response]));
      return;
    }
    for (const answer of pending) if (answer.writableEnded) pending.delete(answer);
    pending.add(response);
  });
  const owesProcessing = (socket: Socket): boolean => {
    for (const answer of answers.get(socket) ?? []) if (!answer.writableEnded) return true;
    return false;
  };
  app.addHook('preClose', async () => {
    closing = true;
    const server = app.server;
    // Node's server.close() calls it too, as the sweep does.
    const nodeCloseIdle = server.closeIdleConnections.bind(server);
    // A connection that read a whole request since the last look is receiving requests (a client
    // pipelining them, read in batches as its answers drain): between two batches it has no
    // request in flight and owes no answer, yet it is not quiet. Ended there, the answers to the
    // requests of the batch being read were cut, and with them the `Connection: close` telling the
    // client which of its requests went unanswered; it ends after the answer to the last request
    // it read. Whole requests, not bytes: a client dripping a head byte by byte is not receiving.
    const readAtLastLook = new WeakMap<HttpSocket, IncomingMessage | undefined>();
    const receiving = (socket: HttpSocket) => readAtLastLook.has(socket) && readAtLastLook.get(socket) !== lastRead.get(socket);
    const look = () => {
      for (const socket of open) readAtLastLook.set(socket, lastRead.get(socket));
    };
    // A connection accepted less than a look ago, with nothing read yet, is one a client (a proxy
    // opening a connection for its next request) is about to use: ended now, its request meets a
    // reset and the proxy answers 502 (measured behind nginx during a drain). It gets one look's
    // time, as a connection opened once closing does, and its request the 503 SHUTTING_DOWN.
    const fresh = (socket: HttpSocket) => performance.now() - (acceptedAt.get(socket) ?? Number.NEGATIVE_INFINITY) < SWEEP_EVERY_MS;
    const spared = (socket: HttpSocket) => receiving(socket) || fresh(socket);
    server.closeIdleConnections = () => closeQuietConnections(server, nodeCloseIdle, spared);
    // Every connection open now but the fresh ones has had its chance to send a request.
    let waiting = endWaiting(server, open, open, spared);
    const stalls = new WeakMap<HttpSocket, WriteStall>();
    endStalled(open, owesProcessing, stalls);
    look();
    const sweep = setInterval(() => {
      waiting = endWaiting(server, open, waiting, spared);
      endStalled(open, owesProcessing, stalls);
      look();
    }, SWEEP_EVERY_MS);
    sweep.unref();
    server.once('close', () => clearInterval(sweep));
  });
  // Callback hooks, not async ones: every request and response passes here, and must cost no promise.
  app.addHook('onRequest', (request, reply, done) => {
    if (!endingConnections() || !closedBy.has(request.raw.socket)) return done();
    // Read after the answer closing its connection: left unprocessed and unanswered (no later hook
    // runs); the connection ends after that answer. Logged as aborted then (request-log.ts).
    answers.get(request.raw.socket)?.delete(reply.raw);
    reply.hijack();
    done();
  });
  const refuseWhileClosing: onRequestHookHandler = (request, reply, done) => {
    if (!closing) return done();
    const refuse = () => {
      reply.header('x-request-id', request.id).header('retry-after', String(SHUTDOWN_RETRY_AFTER_SECONDS));
      sendError(reply, REFUSAL_REASONS[SHUTTING_DOWN].code, 'The server is shutting down; nothing ran. Retry after Retry-After, on another instance or once it is back.', { reason: SHUTTING_DOWN, retryAfter: SHUTDOWN_RETRY_AFTER_SECONDS });
    };
    if (!retireSignature || !hasSignatureHeaders(request)) return refuse();
    // The retirement logs its own failures; the refusal goes out either way.
    retireSignature(request).catch(() => undefined).then(refuse);
  };
  const endIfClosing = (reply: FastifyReply): void => {
    if (!endingConnections()) return;
    const request = reply.request.raw;
    const socket = request.socket;
    const closer = closedBy.get(socket);
    if (closer === request || (closer === undefined && lastRead.get(socket) === request)) {
      if (closer === undefined) lingerAfterClosingAnswer(socket as HttpSocket);
      closedBy.set(socket, request);
      reply.header('connection', 'close');
      return;
    }
    // A request read after this one waits on this connection for its answer: this one keeps the
    // connection open, whoever said otherwise (Fastify says `close` on every request it routes
    // once closing); the last one closes it.
    reply.removeHeader('connection');
    reply.raw.removeHeader('connection');
  };
  app.addHook('onSend', (_request, reply, payload, done) => {
    endIfClosing(reply);
    done(null, payload);
  });
  return { endIfClosing, refuseWhileClosing };
}

/** What the server registers itself of the closing behaviour. */
export interface ConnectionEnder {
  /**
   * For a route whose own onSend awaits (it runs after the global one): says `Connection: close`
   * if close() began meanwhile and the answer is its connection's last (or keeps it open if a
   * request was read behind it meanwhile).
   */
  endIfClosing(reply: FastifyReply): void;
  /** The onRequest hook refusing, once closing, a request that arrived whole (503 SHUTTING_DOWN, its signature used up). */
  refuseWhileClosing: onRequestHookHandler;
}

/** Node's list of a server's connections; `idle()`: those with no request being read (`closeIdleConnections` reads it). */
interface ConnectionsList {
  idle(): Array<{ socket: HttpSocket }>;
}

/** The server's ConnectionsList, found by its symbol's description (it is not exported); undefined if not there. */
function connectionsOf(server: Server): ConnectionsList | undefined {
  const key = Object.getOwnPropertySymbols(server).find((symbol) => symbol.description === 'http.server.connections');
  return key === undefined ? undefined : (server as unknown as Record<symbol, ConnectionsList | undefined>)[key];
}

/**
 * Ends the connections between two requests that owe no answer, read no request since the last
 * look and were not accepted a moment ago (`spared`). Node's own `closeIdleConnections`
 * also ends one whose answer has been written whole (`finished`) but not yet sent, cutting it and
 * the answers of requests pipelined behind it: an answer is owed until Node detaches it from the
 * socket (`_httpMessage`), once it is sent and the next one queued has taken its place.
 */
function closeQuietConnections(server: Server, nodeCloseIdle: () => void, spared: (socket: HttpSocket) => boolean): void {
  const connections = connectionsOf(server);
  if (!connections) return nodeCloseIdle();
  for (const { socket } of connections.idle()) if (!socket._httpMessage && !spared(socket) && !lingering.has(socket)) socket.destroy();
}

/**
 * Ends the connections with no request in flight that were already without one at the last look
 * (`due`) and are not `spared` (a pipelining client between two batches, a connection just accepted); returns
 * those without one seen for the first time. A connection with a response being
 * written is left to it: its `Connection: close` ends it, or, sent before closing, it is idle next.
 */
function endWaiting(server: Server, open: ReadonlySet<HttpSocket>, due: ReadonlySet<HttpSocket>, spared: (socket: HttpSocket) => boolean): Set<HttpSocket> {
  // Between two requests, no byte of the next one read, no answer owed: Node knows these, and they end silently.
  server.closeIdleConnections();
  const waiting = new Set<HttpSocket>();
  for (const socket of open) {
    if (socket.destroyed || socket._httpMessage || spared(socket) || lingering.has(socket)) continue;
    if (due.has(socket)) endWithoutRequest(server, socket);
    else waiting.add(socket);
  }
  return waiting;
}

/** Ends a connection with no request in flight, answering the head that had partly arrived on it, if one had. */
function endWithoutRequest(server: Server, socket: HttpSocket): void {
  const last = socket.parser?.incoming;
  // Nothing ever sent, or the rest of a body whose request was answered already: nothing to answer.
  if (socket.bytesRead === 0 || (last && !last.complete)) {
    socket.destroy();
    return;
  }
  // Part of a request head: answered by the server's own client error handler, which closes the connection.
  if (!server.emit('clientError', cutByShutdown(), socket)) socket.destroy();
}

/**
 * How long a connection whose closing answer was sent is kept open for reading once its client
 * may still be sending requests behind it (pipelined), at most.
 */
const LINGER_MS = 2_000;

/**
 * The connections lingering after their closing answer: the drain's looks leave them to the
 * linger. Nothing is parsed there any more, so one looks quiet (no answer being written, no
 * request read since the last look) while its client still sends; ended then, it reset.
 */
const lingering = new WeakSet<Socket>();

/**
 * Closes a connection after its closing answer the way RFC 9112 §9.6 asks of a server whose client
 * may have pipelined more requests: its side first (the answers, then FIN), then it keeps reading
 * until the client closes its side, or for LINGER_MS at most. Node ends the socket at once
 * (`destroySoon` after the answer): with requests still unread in the kernel's buffer that sends a
 * reset, and a reset can make the client's system drop the last answers it had not read yet, the
 * one saying `close` among them. What is read meanwhile is dropped unparsed (`dropInput`).
 */
function lingerAfterClosingAnswer(socket: HttpSocket): void {
  socket.destroySoon = function lingeringClose(this: HttpSocket): void {
    lingering.add(this);
    if (this.writable) this.end();
    dropInput(this);
    const close = () => this.destroy();
    const linger = setTimeout(close, LINGER_MS);
    linger.unref();
    this.once('close', () => clearTimeout(linger));
    this.once('end', close);
    this.resume();
  };
}

/**
 * Takes a connection's HTTP parser off its input, whose bytes are then read and dropped. Parsed,
 * every request pipelined behind the closing answer became a request (Node's and Fastify's objects,
 * the onRequest hooks) logged as aborted when the socket closed: tens of thousands per connection
 * in the 2 s of lingering, and seconds of CPU in the shutdown. Node's parser reads the socket's
 * handle itself (`consume`) or is fed its 'data' events; both stop, as Node's own upgrade does.
 * So do Node's handlers of the client's end of input, which would ask the parser, stopped perhaps
 * in the middle of a request, to finish it, and log a client error the client never made (the
 * linger ends the connection on it; Node's close handler still cleans up).
 */
function dropInput(socket: HttpSocket): void {
  socket.parser?.unconsume?.();
  socket.removeAllListeners('data');
  socket.removeAllListeners('end');
  socket.on('data', () => undefined);
}

/** A connection's writing as last looked at (`writeMark`), and how many looks in a row found it so. */
interface WriteStall {
  mark: string;
  looks: number;
}

/**
 * Where a connection's writing stands: the bytes given to the socket, those it still holds, and
 * those the kernel has not taken yet of the write under way. Any change between two looks is
 * progress (its client took bytes, so the kernel took more, or the server gave it more).
 */
function writeMark(socket: HttpSocket): string {
  return `${socket.bytesWritten} ${socket.writableLength} ${socket._handle?.writeQueueSize}`;
}

/**
 * Ends the connections whose client stopped taking their answers: none of its requests still being
 * processed (their handlers keep their answers, and the server its pools, until they end), bytes of
 * an answer queued on the socket, none of them taken for WRITE_STALL_LOOKS looks in a row. The
 * answers left are lost, as they would be at the grace's end, to a client that was not reading them.
 * Only the kernel's side is seen: it takes more only once its buffers have room, so a client reading
 * slowly behind megabytes of them can look stalled too.
 */
function endStalled(open: ReadonlySet<HttpSocket>, owesProcessing: (socket: Socket) => boolean, stalls: WeakMap<HttpSocket, WriteStall>): void {
  for (const socket of open) {
    if (socket.destroyed || !socket._httpMessage || socket.writableLength === 0 || owesProcessing(socket) || lingering.has(socket)) {
      stalls.delete(socket);
      continue;
    }
    const mark = writeMark(socket);
    const stall = stalls.get(socket);
    if (stall?.mark !== mark) stalls.set(socket, { mark, looks: 0 });
    else if (++stall.looks >= WRITE_STALL_LOOKS) socket.destroy();
  }
}
