/**
 * A server on PostgreSQL without Redis keeps its nonces, rate limits and idempotency leases in its
 * own memory, so a second server on the same database would accept a signed request the first
 * already ran: the second is refused at start-up, and so is a server with Redis beside it (or one
 * without Redis beside servers with Redis). Operator commands (no `serving`) still open the database
 * beside it; servers with Redis share the database with each other. A PostgreSQL that never answers,
 * or a search_path that names no schema, stops a server and `master-key rotate` with that reason.
 */
import { randomBytes } from 'node:crypto';
import { parseConfig } from '../src/config';
import { createLogger, openRuntime } from '../src/runtime';
import { SingleProcessLockHeld } from '../src/stores/postgres';
import { openScratchSchema, type ScratchSchema } from './helpers/database';
import { describeWithPostgres, TEST_REDIS_URL } from './helpers/services';
import { startUnansweringServer } from './helpers/unanswering-server';

describe('a server and master-key rotate on a PostgreSQL that never answers', () => {
  test('both stop within the connect timeout (5 s), naming the server, instead of waiting forever', async () => {
    const hung = await startUnansweringServer();
    try {
      const config = parseConfig({ DATABASE_URL: `postgres://postgres@127.0.0.1:${hung.port}/signet`, SIGNET_MASTER_KEY: randomBytes(32).toString('base64') });
      const message = `PostgreSQL at 127.0.0.1:${hung.port} (DATABASE_URL) did not answer within 5 s: the server, or a pooler in front of it, is hung or unreachable`;
      // Each settles within the bound either way, so one that still waits fails here and the listener is closed.
      const outcome = (opening: Promise<unknown>) => Promise.race([
        opening.then(() => 'opened', (error: Error) => error.message),
        new Promise<string>((resolve) => setTimeout(resolve, 8_000, 'still waiting after 8 s').unref()),
      ]);
      const [server, rotate] = await Promise.all([
        outcome(openRuntime(config, createLogger('silent'), { serving: { onLockLost: jest.fn() } })),
        outcome(openRuntime(config, createLogger('silent'), { excludeServers: true })),
      ]);
      expect({ server, rotate }).toEqual({ server: message, rotate: message });
    } finally {
      await hung.close();
    }
  }, 15_000);
});

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

  test('a search_path that names no schema stops a server and master-key rotate with that reason: no server is said to run', async () => {
    const missing = `t_missing_${randomBytes(6).toString('hex')}`;
    const noSchema = new URL(url);
    noSchema.searchParams.set('options', `-c search_path=${missing}`);
    const config = parseConfig({ DATABASE_URL: noSchema.toString(), SIGNET_MASTER_KEY: masterKey });
    const reason = `DATABASE_URL selects no schema: its search_path ("${missing}") names no schema that exists`;
    await expect(openRuntime(config, createLogger('silent'), serving)).rejects.toThrow(reason);
    await expect(openRuntime(config, createLogger('silent'), { excludeServers: true })).rejects.toThrow(reason);
  });

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
