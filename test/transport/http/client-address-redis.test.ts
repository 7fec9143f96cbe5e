import { describeWithRedis } from '../../helpers/services';
import { redisStores } from '../../helpers/signet-server';
import { defineClientAddressSuite } from './client-address.suite';

describeWithRedis('the client address on Redis', (redisUrl) => {
  defineClientAddressSuite('Redis stores, PGlite', async () => redisStores(redisUrl));
});
