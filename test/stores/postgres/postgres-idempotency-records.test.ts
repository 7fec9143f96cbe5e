import { openPostgresDatabase } from '../../helpers/database';
import { describeWithPostgres } from '../../helpers/services';
import { defineIdempotencyRecordStoreContract } from '../idempotency-record-store.contract';

describeWithPostgres('PostgreSQL', (url) => {
  defineIdempotencyRecordStoreContract('PostgreSQL', () => openPostgresDatabase(url));
});
