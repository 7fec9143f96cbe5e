import { defineIdempotencyRecordStoreContract } from '@signet/idempotency/testing';
import { openPostgresDatabase } from '../../helpers/database';
import { signetRecordStoreHarness } from '../../helpers/idempotency';
import { describeWithPostgres } from '../../helpers/services';

describeWithPostgres('PostgreSQL', (url) => {
  defineIdempotencyRecordStoreContract('PostgreSQL', () => signetRecordStoreHarness(() => openPostgresDatabase(url)));
});
