/**
 * During an outage every request meets the same store failure: each is counted in
 * signet_dependency_errors_total{dependency,operation}, and logged at most once per interval per
 * (dependency, operation), the next line saying how many were left out.
 */
import { createMetrics } from '../src/metrics';
import { createDependencyWarnings } from '../src/dependency-warnings';
import { captureLogger } from './helpers/logger';
import { memoryStores, startSignet } from './helpers/signet-server';
import { openPgliteDatabase } from './helpers/database';
import { servicesFor } from './helpers/domain';

const REFUSED = new Error('connect ECONNREFUSED 127.0.0.1:6379');

test('a failure that repeats is logged once per interval, with how many were left out, and counted every time', async () => {
  const log = captureLogger();
  const metrics = createMetrics();
  let now = 1_000;
  const warnings = createDependencyWarnings({ logger: log.logger, metrics, now: () => now, intervalMs: 60_000 });
  for (let i = 0; i < 5; i += 1) warnings.failed({ dependency: 'rate-limit-store', operation: 'request-ip-limit', error: REFUSED, reqId: `r${i}` }, 'rate-limit store unavailable; using the local limiter');
  // Another operation of the same store has its own line.
  warnings.failed({ dependency: 'rate-limit-store', operation: 'field-limit', error: REFUSED }, 'rate-limit store unavailable');
  now += 59_999;
  warnings.failed({ dependency: 'rate-limit-store', operation: 'request-ip-limit', error: REFUSED, reqId: 'r5' }, 'rate-limit store unavailable; using the local limiter');
  now += 1;
  warnings.failed({ dependency: 'rate-limit-store', operation: 'request-ip-limit', error: REFUSED, reqId: 'r6' }, 'rate-limit store unavailable; using the local limiter');
  const lines = log.lines();
  expect(lines.map((l) => [l.operation, l.reqId, l.suppressed])).toEqual([
    ['request-ip-limit', 'r0', undefined],
    ['field-limit', undefined, undefined],
    ['request-ip-limit', 'r6', 5],
  ]);
  expect(lines[0]).toMatchObject({ level: 40, event: 'dependency_error', dependency: 'rate-limit-store', err: { message: REFUSED.message } });
  const counted = (await metrics.dependencyErrors.get()).values.map((v) => [v.labels.operation, v.value]);
  expect(counted).toEqual(expect.arrayContaining([['request-ip-limit', 7], ['field-limit', 1]]));
});

test('unsigned requests during a rate-limit store outage write one warning per operation, not one each', async () => {
  const db = await openPgliteDatabase();
  const log = captureLogger();
  const stores = memoryStores();
  const down = { ...stores, rateLimits: { ...stores.rateLimits, consume: async () => { throw REFUSED; }, peek: async () => { throw REFUSED; } } } as typeof stores;
  const server = await startSignet(servicesFor(db.driver), down, { logger: log.logger, directives: { logger: log.logger } });
  try {
    for (let i = 0; i < 5; i += 1) {
      const answer = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ markets { symbol } }' }) });
      expect(answer.status).toBe(200);
    }
    const warned = log.lines().filter((l) => l.level === 40).map((l) => l.msg);
    expect(warned).toEqual(['rate-limit store unavailable; using the local limiter', 'rate-limit store unavailable']);
    const counted = (await server.metrics.dependencyErrors.get()).values.map((v) => [v.labels.dependency, v.labels.operation, v.value]);
    expect(counted).toEqual(expect.arrayContaining([['rate-limit-store', 'request-ip-limit', 5], ['rate-limit-store', 'field-limit', 5]]));
  } finally {
    await server.close();
    await db.close();
  }
});

test('public queries during a database outage write one line, not one each, and count every failure', async () => {
  const db = await openPgliteDatabase();
  const log = captureLogger();
  const services = servicesFor(db.driver);
  // What pg throws when PostgreSQL shuts down under a query (57P01 admin_shutdown).
  const shutdown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  jest.spyOn(services.marketData, 'ticker').mockRejectedValue(shutdown);
  const server = await startSignet(services, memoryStores(), { logger: log.logger, directives: { logger: log.logger } });
  try {
    for (let i = 0; i < 5; i += 1) {
      const answer = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ ticker(market: "BTC-USD") { lastPrice } }' }) });
      const body = await answer.json() as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect(body.errors[0]).toMatchObject({ message: 'Service temporarily unavailable; retry later.', extensions: { code: 'SERVICE_UNAVAILABLE' } });
    }
    const masked = log.lines().filter((l) => l.msg === 'dependency failure masked as SERVICE_UNAVAILABLE');
    expect(masked).toHaveLength(1);
    expect(masked[0]).toMatchObject({ level: 50, event: 'dependency_error', dependency: 'database', operation: 'resolve-field', reason: 'sqlstate 57P01', path: ['ticker'], err: { message: shutdown.message } });
    const counted = (await server.metrics.dependencyErrors.get()).values.map((v) => [v.labels.dependency, v.labels.operation, v.value]);
    expect(counted).toEqual(expect.arrayContaining([['database', 'resolve-field', 5]]));
    // Each request's own line names the code it was answered with, though only the first failure was logged.
    const completed = log.lines().filter((l) => l.msg === 'request completed' && (l.operation as { fields?: string[] } | undefined)?.fields?.includes('ticker'));
    expect(completed).toHaveLength(5);
    expect(completed.every((l) => JSON.stringify(l.errorCodes) === '["SERVICE_UNAVAILABLE"]')).toBe(true);
    // Another kind of failure of the same field in the same minute (a deadlock) gets its own line.
    const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    jest.spyOn(services.marketData, 'ticker').mockRejectedValue(deadlock);
    await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ ticker(market: "BTC-USD") { lastPrice } }' }) });
    expect(log.lines().filter((l) => l.msg === 'dependency failure masked as SERVICE_UNAVAILABLE').map((l) => l.reason)).toEqual(['sqlstate 57P01', 'sqlstate 40P01']);
  } finally {
    await server.close();
    await db.close();
  }
});
