import { openPostgresDatabase } from '../../helpers/database';
import { describeWithPostgres } from '../../helpers/services';
import { defineTradingStoreContract } from '../trading-store.contract';

describeWithPostgres('PostgreSQL', (url) => {
  defineTradingStoreContract('PostgreSQL', () => openPostgresDatabase(url));
});
