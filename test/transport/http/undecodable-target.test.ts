/**
 * A request target the router cannot decode (`/graphql%`, `/%ZZ`) is refused in the error format
 * like every other refusal (error-model review): 400 BAD_REQUEST with `errors[].extensions`, its
 * request id in the body and `X-Request-Id`, the media type `Accept` asks for, and nothing of the
 * target echoed back. Before, Fastify answered its own body (`FST_ERR_BAD_URL`, the path quoted).
 */
import { request as httpRequest } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { createFrameworkErrorHandler } from '../../../src/transport/http/framework-errors';
import { buildSignetSchema } from '../../../src/transport/graphql/build-schema';
import { createHttpServer } from '../../../src/transport/http/create-http-server';
import { createMetrics, type SignetMetrics } from '../../../src/metrics';
import type { TestDatabase } from '../../helpers/database';
import { directiveDepsFor } from '../../helpers/directives';
import { captureLogger } from '../../helpers/logger';
import { openSigningAccount } from '../../helpers/signet-server';

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** Sends `method path` as written (Node does not re-encode a path it is given). */
function send(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{"query":"{ serverTime }"}' : undefined);
  });
}

describe('a request target that does not decode', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let port: number;
  let metrics: SignetMetrics;
  const log = captureLogger();
  beforeAll(async () => {
    const account = await openSigningAccount({}, 'badurl');
    db = account.db;
    metrics = createMetrics();
    app = await createHttpServer({
      schema: buildSignetSchema(), services: account.services, logger: log.logger, introspection: false, development: false, readiness: [],
      directives: directiveDepsFor(account.services), metrics,
    });
    port = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port);
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  test.each([
    ['POST', '/graphql%', 'application/graphql-response+json'],
    ['GET', '/%ZZ', 'application/json'],
  ])('%s %s: 400 BAD_REQUEST in the error format, as %s', async (method, path, accept) => {
    const answer = await send(port, method, path, { 'content-type': 'application/json', accept });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toContain(accept);
    expect(String(answer.headers.vary)).toMatch(/accept/i);
    const body = JSON.parse(answer.body) as { errors: Array<{ message: string; extensions: Record<string, unknown> }> };
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions).toEqual({ code: 'BAD_REQUEST', retryable: false, requestId: answer.headers['x-request-id'] });
    expect(typeof answer.headers['x-request-id']).toBe('string');
    // Nothing of the framework, nor of the target, in the answer.
    expect(answer.body).not.toMatch(/FST_|statusCode|%ZZ|graphql%/);
  });

  test('each is counted and logged once, with its request id', async () => {
    const before = (await metrics.httpClientErrors.get()).values.find((v) => v.labels.status === '400')?.value ?? 0;
    const errorsBefore = (await metrics.graphqlErrors.get()).values.find((v) => v.labels.code === 'BAD_REQUEST')?.value ?? 0;
    const answer = await send(port, 'GET', '/graphql%zz');
    const after = (await metrics.httpClientErrors.get()).values.find((v) => v.labels.status === '400')?.value ?? 0;
    expect(after - before).toBe(1);
    // No hook runs for it (the request log's included): its one line is the handler's, with the bounded request.
    const lines = log.lines().filter((l) => l.reqId === answer.headers['x-request-id']);
    expect(lines).toEqual([expect.objectContaining({ msg: 'request target refused before routing', level: 30, req: expect.objectContaining({ method: 'GET', path: '/graphql%zz' }), res: { statusCode: 400 } })]);
    const graphqlErrors = (await metrics.graphqlErrors.get()).values.find((v) => v.labels.code === 'BAD_REQUEST')?.value ?? 0;
    expect(graphqlErrors - errorsBefore).toBe(1);
  });

  test('any other router error (none can happen with these routes) is the server\'s own: 500, masked, logged at error', async () => {
    const replies: Array<{ status?: number; body?: string }> = [];
    const probe = Fastify();
    probe.get('/probe', async (request, reply) => {
      createFrameworkErrorHandler(metrics)(Object.assign(new Error("'/x' exceeds the parameter length"), { code: 'FST_ERR_MAX_PARAM_LENGTH' }) as never, request, reply);
      return reply;
    });
    try {
      const answer = await fetch(`${await probe.listen({ host: '127.0.0.1', port: 0 })}/probe`);
      replies.push({ status: answer.status, body: await answer.text() });
    } finally {
      await probe.close();
    }
    expect(replies[0].status).toBe(500);
    expect(JSON.parse(replies[0].body ?? '{}').errors[0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(replies[0].body).not.toMatch(/parameter length|FST_/);
  });
});
