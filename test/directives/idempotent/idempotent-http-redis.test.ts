import { openPostgresDatabase } from '../../helpers/database';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../../helpers/services';
import { redisStores } from '../../helpers/signet-server';
import { defineIdempotentHttpSuite } from './idempotent-http.suite';

defineIdempotentHttpSuite(
  'Redis stores, PostgreSQL',
  TEST_DATABASE_URL && TEST_REDIS_URL ? null : 'TEST_DATABASE_URL and TEST_REDIS_URL are both needed',
  () => openPostgresDatabase(TEST_DATABASE_URL as string),
  async () => redisStores(TEST_REDIS_URL as string),
);
