import { memoryStores } from '../../helpers/signet-server';
import { defineClientAddressSuite } from './client-address.suite';

defineClientAddressSuite('memory stores, PGlite', async () => ({ stores: memoryStores(), close: async () => undefined }));
