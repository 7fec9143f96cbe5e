import { openPostgresDatabase } from '../../helpers/database';
import { describeWithPostgres } from '../../helpers/services';
import { defineWeakKeySuite } from './weak-keys.suite';

describeWithPostgres('weak keys against PostgreSQL', (url) => defineWeakKeySuite('PostgreSQL', () => openPostgresDatabase(url)));
