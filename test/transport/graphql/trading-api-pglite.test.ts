import { openPgliteDatabase } from '../../helpers/database';
import { defineTradingApiSuite } from './trading-api.suite';

defineTradingApiSuite('PGlite', openPgliteDatabase);
