/**
 * The bench's `bare+check` control (scenario 3k of the in-process measurement): it must run the
 * signed server's real signature check, twice per request, or its timings measure nothing.
 */
import type { FastifyInstance } from 'fastify';
import { createControlApp, type CheckTimings } from '../../bench/control-server';
import { BENCH_AUTHORITY, PLACE_ORDER_BODY, createSigner } from '../../bench/requests';
import { seedSigningAccounts } from '../../bench/seed';
import { createMetrics } from '../../src/metrics';
import { memorySecurityStores } from '../../src/runtime';
import { openPgliteDatabase, type TestDatabase } from '../helpers/database';
import { directiveDepsFor } from '../helpers/directives';
import { requestFrom } from '../helpers/from-address';
import { servicesFor } from '../helpers/domain';
import { silentLogger } from '../helpers/logger';

describe('the bench control that runs the signature check (bare+check)', () => {
  let db: TestDatabase;
  let control: { app: FastifyInstance; checkTimings?: CheckTimings; close(): Promise<void> };
  let sign: ReturnType<typeof createSigner>;
  let accountId: string;
  let url: string;

  beforeAll(async () => {
    db = await openPgliteDatabase();
    const services = servicesFor(db.driver);
    const credentials = await seedSigningAccounts(services, 1);
    accountId = credentials[0].accountId;
    sign = createSigner(credentials);
    const security = memorySecurityStores({ nonceCompleteSinceMs: 0 });
    control = await createControlApp({
      // Field overrides as the bench gives every server (its schema here has no limit for them to apply to).
      services, security, directives: directiveDepsFor(services, { security, rateLimitOverrides: { 'Mutation.placeOrder': { max: 1_000_000, window: '1m' } } }), metrics: createMetrics(), logger: silentLogger,
      readiness: [], rateLimitOverrides: {}, signatureMaxAgeSeconds: 300,
    }, 'bare+check', [accountId]);
    url = await control.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await control?.close();
    await db?.close();
  });

  // Signed for the bench's authority whatever port the server listens on: the Host says that name.
  const send = async (body: string, headers: Record<string, string>) => {
    const answer = await requestFrom('127.0.0.1', `${url}/graphql`, {
      method: 'POST', body, headers: { 'content-type': 'application/json', host: BENCH_AUTHORITY, 'x-bench-account': accountId, ...headers },
    });
    return { statusCode: answer.status, body: await answer.text() };
  };

  it('runs a passing check twice per request and times both runs', async () => {
    control.checkTimings?.reset();
    const request = sign(PLACE_ORDER_BODY);
    const response = await send(request.body, request.headers);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ data: { placeOrder: { order: { status: 'OPEN' }, userErrors: [] } } });
    expect(control.checkTimings?.requests).toBe(1);
    expect(control.checkTimings?.firstMs).toBeGreaterThan(0);
    expect(control.checkTimings?.againMs).toBeGreaterThan(0);
  });

  it('fails the request, nothing placed, when the signature does not pass the check', async () => {
    control.checkTimings?.reset();
    const request = sign(PLACE_ORDER_BODY);
    // The same bytes but one: the body's digest no longer matches.
    const tampered = request.body.replace('"1.00"', '"2.00"');
    const response = await send(tampered, request.headers);
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('placeOrder');
    expect(control.checkTimings?.requests).toBe(0);
  });
});
