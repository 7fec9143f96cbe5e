import type { FastifyInstance } from 'fastify';
import { buildSignetSchema } from '../../../src/transport/graphql/build-schema';
import { createHttpServer } from '../../../src/transport/http/create-http-server';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { directiveDepsFor } from '../../helpers/directives';
import { servicesFor } from '../../helpers/domain';
import { silentLogger } from '../../helpers/logger';

/** Behind a trusted proxy, the scheme it forwards is client input too: whatever it says, a query is answered, never a 500. */
describe('X-Forwarded-Proto from a trusted proxy', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    db = await openPgliteDatabase();
    const services = servicesFor(db.driver);
    app = await createHttpServer({
      schema: buildSignetSchema(), services, logger: silentLogger, introspection: false, development: false, readiness: [], directives: directiveDepsFor(services),
      clientAddress: { trustProxy: { kind: 'ranges', ranges: ['127.0.0.1'] }, ipv6LimitPrefix: 64 },
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  test.each(['a b', '[', 'https', ''])('%j: the query is answered (a scheme that is not one was a 500)', async (proto) => {
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-proto': proto }, body: '{"query":"{ serverTime }"}' });
    expect(res.status).toBe(200);
    expect((await res.json()).data.serverTime).toEqual(expect.any(String));
  });
});
