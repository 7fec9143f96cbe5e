import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './http-errors';
import { REFUSAL_REASONS, SHUTTING_DOWN } from './refusal-reasons.table';
import { hasSignatureHeaders } from './signature-auth';

/** How often a closing server looks for connections that went idle since its last look. */
const CLOSE_IDLE_EVERY_MS = 100;

/** Seconds a request refused during shutdown is told to wait (another instance, or the restart). */
const SHUTDOWN_RETRY_AFTER_SECONDS = 1;

/**
 * Lets `app.close()` finish once the requests in flight are answered. Fastify closes only the
 * keep-alive connections idle when close() starts; one whose request finishes later would hold
 * the server open until its keep-alive timeout. So, once closing: every response says
 * `Connection: close` (Node ends the connection after it), and connections that went idle
 * anyway (a response already being written when close() started) are closed as they do.
 * A request that arrives once closing (Fastify's `return503OnClosing` is off: its answer is not
 * the error format) is refused before anything of it runs: 503 SERVICE_UNAVAILABLE, reason
 * SHUTTING_DOWN, with Retry-After and the request id, as every other refusal. A signed one has
 * its signature used up first (`retireSignature`), as every refusal before verification does:
 * clients re-send it signed again, and the captured bytes must not run on another instance.
 */
export function endConnectionsOnClose(app: FastifyInstance, retireSignature?: (request: FastifyRequest) => Promise<void>): ConnectionEnder {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    const sweep = setInterval(() => app.server.closeIdleConnections(), CLOSE_IDLE_EVERY_MS);
    sweep.unref();
    app.server.once('close', () => clearInterval(sweep));
  });
  // Callback hooks, not async ones: every request and response passes here, and must cost no promise.
  app.addHook('onRequest', (request, reply, done) => {
    if (!closing) return done();
    const refuse = () => {
      reply.header('x-request-id', request.id).header('retry-after', String(SHUTDOWN_RETRY_AFTER_SECONDS));
      sendError(reply, REFUSAL_REASONS[SHUTTING_DOWN].code, 'The server is shutting down; nothing ran. Retry after Retry-After, on another instance or once it is back.', { reason: SHUTTING_DOWN });
    };
    if (!retireSignature || !hasSignatureHeaders(request)) return refuse();
    // The retirement logs its own failures; the refusal goes out either way.
    retireSignature(request).catch(() => undefined).then(refuse);
  });
  const endIfClosing = (reply: FastifyReply): void => {
    if (closing) reply.header('connection', 'close');
  };
  app.addHook('onSend', (_request, reply, payload, done) => {
    endIfClosing(reply);
    done(null, payload);
  });
  return { endIfClosing };
}

/** For a route whose own onSend awaits (it runs after the global one): says `Connection: close` if close() began meanwhile. */
export interface ConnectionEnder {
  endIfClosing(reply: FastifyReply): void;
}
