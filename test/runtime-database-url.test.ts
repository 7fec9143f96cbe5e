/**
 * A database DATABASE_URL names that cannot be used is said as such: PostgreSQL's or Node's own
 * words ("database … does not exist", ECONNREFUSED) name no setting, so the message leads with
 * the variable to fix, and never repeats the URL (it may carry a password).
 */
import { randomBytes } from 'node:crypto';
import { parseConfig } from '../src/config';
import { createLogger, openRuntime } from '../src/runtime';
import { openScratchSchema } from './helpers/database';
import { freePort } from './helpers/ports';
import { describeWithPostgres } from './helpers/services';

const MASTER_KEY = randomBytes(32).toString('base64');

describeWithPostgres('a DATABASE_URL that cannot be used', (url) => {
  const open = (databaseUrl: string, options: Parameters<typeof openRuntime>[2] = {}) =>
    openRuntime(parseConfig({ DATABASE_URL: databaseUrl, SIGNET_MASTER_KEY: MASTER_KEY }), createLogger('silent'), options);

  test.each([['an operator command', {}], ['serve', { serving: { onLockLost: () => undefined } }]] as const)('a database that does not exist: the message names DATABASE_URL (%s)', async (_name, options) => {
    const missing = new URL(url);
    missing.pathname = `/signet_missing_${randomBytes(4).toString('hex')}`;
    missing.password = 'not-the-password-42';
    const failure = open(missing.toString(), options);
    await expect(failure).rejects.toThrow(/^DATABASE_URL: PostgreSQL could not be used: .*does not exist/);
    await expect(failure).rejects.not.toThrow(/not-the-password-42/);
  });

  test('nothing listening: the message names DATABASE_URL', async () => {
    const refused = new URL(url);
    refused.port = String(await freePort());
    await expect(open(refused.toString())).rejects.toThrow(/^DATABASE_URL: PostgreSQL could not be used: .*ECONNREFUSED/);
  });
});

describeWithPostgres('SIGNET_DATABASE_POOL_SIZE', (url) => {
  test('bounds the connections a process opens to PostgreSQL for its statements (a session pooler is sized by it)', async () => {
    const scratch = await openScratchSchema(url);
    try {
      const runtime = await openRuntime(parseConfig({ DATABASE_URL: scratch.url, SIGNET_MASTER_KEY: MASTER_KEY, SIGNET_DATABASE_POOL_SIZE: '2' }), createLogger('silent'));
      try {
        // Six statements at once, each holding its connection a moment: at most two backends serve them.
        const rows = await Promise.all(Array.from({ length: 6 }, () => runtime.driver.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_sleep(0.2)')));
        expect(new Set(rows.map(([row]) => row.pid)).size).toBe(2);
      } finally {
        await runtime.close();
      }
    } finally {
      await scratch.drop();
    }
  }, 60_000);
});
