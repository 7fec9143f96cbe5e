import { openPostgresDatabase } from '../../helpers/database';
import { TEST_DATABASE_URL, describeWithRedis } from '../../helpers/services';
import { openPgliteDatabase } from '../../helpers/database';
import { redisStores } from '../../helpers/signet-server';
import { defineSignedRequestSuite } from './signed-requests.suite';

describeWithRedis('signed requests on Redis', (redisUrl) => {
  defineSignedRequestSuite(
    TEST_DATABASE_URL ? 'Redis stores, PostgreSQL' : 'Redis stores, PGlite',
    () => (TEST_DATABASE_URL ? openPostgresDatabase(TEST_DATABASE_URL) : openPgliteDatabase()),
    async () => redisStores(redisUrl),
  );
});
