import { defineIdempotencyRecordStoreContract } from '@signet/idempotency/testing';
import { openPgliteDatabase } from '../../helpers/database';
import { signetRecordStoreHarness } from '../../helpers/idempotency';

defineIdempotencyRecordStoreContract('PGlite (in memory)', () => signetRecordStoreHarness(openPgliteDatabase));
