import { openPostgresDatabase } from '../../helpers/database';
import { describeWithPostgres } from '../../helpers/services';
import { defineTradingApiSuite } from './trading-api.suite';

describeWithPostgres('trading through GraphQL against PostgreSQL', (url) => defineTradingApiSuite('PostgreSQL', () => openPostgresDatabase(url)));
