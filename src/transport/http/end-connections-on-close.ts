import type { FastifyInstance } from 'fastify';

/** How often a closing server looks for connections that went idle since its last look. */
const CLOSE_IDLE_EVERY_MS = 100;

/**
 * Lets `app.close()` finish once the requests in flight are answered. Fastify closes only the
 * keep-alive connections idle when close() starts; one whose request finishes later would hold
 * the server open until its keep-alive timeout. So, once closing: every response says
 * `Connection: close` (Node ends the connection after it), and connections that went idle
 * anyway (a response already being written when close() started) are closed as they do.
 */
export function endConnectionsOnClose(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    const sweep = setInterval(() => app.server.closeIdleConnections(), CLOSE_IDLE_EVERY_MS);
    sweep.unref();
    app.server.once('close', () => clearInterval(sweep));
  });
  // A callback hook, not an async one: every response passes here, and it must cost no promise.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}
