// CI guard: the real-store suites must never skip silently, so both services have to answer.
'use strict';
const { Client } = require('pg');
const Redis = require('ioredis');

async function main() {
  const pg = new Client({ connectionString: process.env.TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  try {
    await pg.connect();
    await pg.query('SELECT 1');
    console.log('PostgreSQL reachable');
  } catch (error) {
    console.error(`PostgreSQL unreachable at TEST_DATABASE_URL: ${error.message}`);
    process.exitCode = 1;
  } finally {
    await pg.end().catch(() => undefined);
  }
  const redis = new Redis(process.env.TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    if ((await redis.ping()) !== 'PONG') throw new Error('no PONG');
    console.log('Redis reachable');
  } catch (error) {
    console.error(`Redis unreachable at TEST_REDIS_URL: ${error.message}`);
    process.exitCode = 1;
  } finally {
    redis.disconnect();
  }
}

main();
