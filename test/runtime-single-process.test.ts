/**
 * A server on PostgreSQL without Redis keeps its nonces, rate limits and idempotency leases in its
 * own memory, so a second server on the same database would accept a signed request the first
 * already ran: the second is refused at start-up, and so is a server with Redis beside it (or one
 * without Redis beside servers with Redis). Operator commands (no `serving`) still open the database
 * beside it; servers with Redis share the database with each other.
 */
import { randomBytes } from 'node:crypto';
import { parseConfig } from '../src/config';
import { createLogger, openRuntime } from '../src/runtime';
import { SingleProcessLockHeld } from '../src/stores/postgres';
import { openScratchSchema, type ScratchSchema } from './helpers/database';
import { describeWithPostgres, TEST_REDIS_URL } from './helpers/services';

describeWithPostgres('one server on PostgreSQL without Redis', (url) => {
  const masterKey = randomBytes(32).toString('base64');
  let scratch: ScratchSchema;
  const config = (extra: Record<string, string> = {}) => parseConfig({ DATABASE_URL: scratch.url, SIGNET_MASTER_KEY: masterKey, ...extra });
  const serving = { serving: { onLockLost: jest.fn() } };
  beforeAll(async () => {
    scratch = await openScratchSchema(url);
  });
  afterAll(async () => scratch?.drop());

  test('a second server is refused at start-up; an operator command opens the database beside the first; once it stops, a server starts', async () => {
    const first = await openRuntime(config(), createLogger('silent'), serving);
    try {
      await expect(openRuntime(config(), createLogger('silent'), serving)).rejects.toThrow(SingleProcessLockHeld);
      const operator = await openRuntime(config(), createLogger('silent'));
      await operator.close();
    } finally {
      await first.close();
    }
    const next = await openRuntime(config(), createLogger('silent'), serving);
    await next.close();
  }, 30_000);

  (TEST_REDIS_URL ? test : test.skip)('with REDIS_URL several servers share the database, and one without Redis is refused beside them, as they are beside it (skipped without TEST_REDIS_URL)', async () => {
    const withRedis = () => openRuntime(config({ REDIS_URL: TEST_REDIS_URL as string }), createLogger('silent'), serving);
    const a = await withRedis();
    const b = await withRedis();
    try {
      // A replica that lost its REDIS_URL would accept a request the others already ran.
      await expect(openRuntime(config(), createLogger('silent'), serving)).rejects.toThrow(/another Signet server uses this PostgreSQL database .*with REDIS_URL or without/);
    } finally {
      await a.close();
      await b.close();
    }
    const alone = await openRuntime(config(), createLogger('silent'), serving);
    try {
      await expect(withRedis()).rejects.toThrow(/a Signet server without REDIS_URL uses this PostgreSQL database/);
    } finally {
      await alone.close();
    }
  }, 30_000);
});
