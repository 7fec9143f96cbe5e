import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { DomainServices } from '../../src/domain';
import { buildSignetSchema } from '../../src/transport/graphql/build-schema';
import { createHttpServer, type HttpServerDeps } from '../../src/transport/http/create-http-server';
import type { ReadinessCheck } from '../../src/transport/http/health';
import { openPgliteDatabase, type TestDatabase } from './database';
import { directiveDepsFor } from './directives';
import { servicesFor } from './domain';
import { silentLogger } from './logger';

/** A Signet HTTP server listening on an ephemeral loopback port. */
export interface TestHttpServer { readonly url: string; readonly app: FastifyInstance; close(): Promise<void> }

/** Starts the real HTTP stack over `services` on 127.0.0.1:0. */
export async function startTestHttpServer(services: DomainServices, options: {
  logger?: Logger; introspection?: boolean; readiness?: ReadinessCheck[];
} = {}): Promise<TestHttpServer> {
  const app = await createHttpServer({
    schema: buildSignetSchema(), services, logger: options.logger ?? silentLogger, introspection: options.introspection ?? true,
    development: false, readiness: options.readiness ?? [], directives: directiveDepsFor(services),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, app, close: () => app.close() };
}

/**
 * Registers, in the calling describe block, a server over a fresh in-memory PGlite (started before
 * its tests, closed after them); the handle reads the server once it has started.
 */
export function embeddedTestHttpServer(): Pick<TestHttpServer, 'url' | 'app'> {
  let db: TestDatabase | undefined;
  let server: TestHttpServer | undefined;
  beforeAll(async () => {
    db = await openPgliteDatabase();
    server = await startTestHttpServer(servicesFor(db.driver));
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });
  const started = (): TestHttpServer => {
    if (!server) throw new Error('the test server has not started: use it inside a test');
    return server;
  };
  return {
    get url() { return started().url; },
    get app() { return started().app; },
  };
}

/**
 * Registers, in the calling describe block, servers started per test over one in-memory PGlite:
 * `start` builds the real HTTP stack with `deps` on top of the defaults, lets `configure` add the
 * test's own routes and hooks, and listens on 127.0.0.1:0. After each test every client socket the
 * test put in `sockets` is destroyed, every function it put in `cleanups` runs (say, releasing a
 * request it held), then every server started is closed.
 */
export function perTestHttpServers(): {
  readonly sockets: Socket[];
  readonly cleanups: Array<() => void>;
  start(deps?: Partial<HttpServerDeps>, configure?: (app: FastifyInstance) => void): Promise<{ app: FastifyInstance; port: number }>;
} {
  let db: TestDatabase | undefined;
  let services: DomainServices | undefined;
  const apps: FastifyInstance[] = [];
  const sockets: Socket[] = [];
  const cleanups: Array<() => void> = [];
  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver);
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const cleanup of cleanups.splice(0)) cleanup();
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  afterAll(async () => db?.close());
  return {
    sockets,
    cleanups,
    async start(deps = {}, configure) {
      if (!services) throw new Error('the database has not opened: start servers inside a test');
      const app = await createHttpServer({
        schema: buildSignetSchema(), services, logger: silentLogger, introspection: false, development: false, readiness: [],
        directives: directiveDepsFor(services), ...deps,
      });
      configure?.(app);
      apps.push(app);
      await app.listen({ host: '127.0.0.1', port: 0 });
      return { app, port: (app.server.address() as { port: number }).port };
    },
  };
}

/** POSTs a GraphQL body as JSON (or raw text) and returns status, headers and parsed body. */
export async function postGraphQL(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}
