import { openPgliteDatabase } from '../../helpers/database';
import { memoryStores } from '../../helpers/signet-server';
import { defineIdempotentHttpSuite } from './idempotent-http.suite';

defineIdempotentHttpSuite('memory stores, PGlite', null, openPgliteDatabase, async () => ({ stores: memoryStores(), close: async () => undefined }));
