import { Writable } from 'node:stream';
import pino from 'pino';
import { createLogger } from '../../../src/runtime';
import { buildSignetSchema } from '../../../src/transport/graphql/build-schema';
import { serializeRequestForLog, type ClientAddressOptions } from '../../../src/transport/http/client-address';
import { createHttpServer } from '../../../src/transport/http/create-http-server';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { directiveDepsFor } from '../../helpers/directives';
import { servicesFor } from '../../helpers/domain';

const TWO_HOPS: ClientAddressOptions = { trustProxy: { kind: 'hops', hops: 2 }, ipv6LimitPrefix: 64 };

describe('request logs name the canonical client address', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openPgliteDatabase();
  });
  afterAll(async () => db?.close());

  test('the process logger serializes requests with the client-address serializer', () => {
    const logger = createLogger('silent') as unknown as Record<symbol, Record<string, unknown>>;
    expect(typeof serializeRequestForLog).toBe('function');
    expect(logger[pino.symbols.serializersSym].req).toBe(serializeRequestForLog);
  });

  test('Fastify\'s request log shows the canonical address, and never the raw forwarded text', async () => {
    const chunks: string[] = [];
    const stream = new Writable({ write(chunk, _encoding, done) { chunks.push(chunk.toString()); done(); } });
    const logger = pino({ level: 'info', serializers: { req: serializeRequestForLog } }, stream);
    const services = servicesFor(db.driver);
    const app = await createHttpServer({
      schema: buildSignetSchema(), services, logger, introspection: false, development: false, readiness: [], directives: directiveDepsFor(services), clientAddress: TWO_HOPS,
    });
    try {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      // Not a probe: a probe that answers well is logged at debug.
      const send = (xff: string) => fetch(`${url}/`, { headers: { 'x-forwarded-for': xff } });
      expect((await send('6.6.6.6, ::FFFF:203.0.113.7, 10.0.0.1')).status).toBe(200);
      expect((await send('junk-<address>, 10.0.0.1')).status).toBe(400);
      const lines = chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const addresses = lines.filter((l) => l.msg === 'request completed').map((l) => l.req.remoteAddress);
      expect(addresses).toEqual(['203.0.113.7', 'invalid']);
      expect(lines.some((l) => l.event === 'client_address_invalid')).toBe(true);
      expect(chunks.join('')).not.toContain('junk-');
      expect(chunks.join('')).not.toContain('FFFF');
    } finally {
      await app.close();
    }
  });
});
