import { openPgliteDatabase } from '../../helpers/database';
import { defineIdempotencyRecordStoreContract } from '../idempotency-record-store.contract';

defineIdempotencyRecordStoreContract('PGlite (in memory)', openPgliteDatabase);
