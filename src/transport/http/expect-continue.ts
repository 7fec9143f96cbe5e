import type { Server } from 'node:http';

/**
 * `Expect: 100-continue` (RFC 9110 §10.1.1): a client sends the body only once the server says
 * 100 Continue, and a server that will refuse the request answers with the final status instead.
 * Node says 100 to every such request by itself, so a body declared larger than the limit was
 * invited and then refused with 413 on a connection closed under the client's write, which lost
 * the 413 (Java's HttpClient reported "header parser received no bytes"). Here a declared length
 * over the limit is not invited: Fastify refuses it with 413 before any body is sent. Every other
 * request is invited as before (a chunked body is measured as it arrives, and refused there).
 */
export function answerExpectContinue(server: Server, bodyLimitBytes: number): void {
  server.on('checkContinue', (request, response) => {
    const declared = Number(request.headers['content-length']);
    if (!(declared > bodyLimitBytes)) response.writeContinue();
    server.emit('request', request, response);
  });
}
