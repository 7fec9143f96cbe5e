import { openPgliteDatabase } from '../../helpers/database';
import { memoryStores } from '../../helpers/signet-server';
import { defineSignedRequestSuite } from './signed-requests.suite';

defineSignedRequestSuite('memory stores, PGlite', openPgliteDatabase, async () => ({ stores: memoryStores(), close: async () => undefined }));
