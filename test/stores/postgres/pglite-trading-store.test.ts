import { openPgliteDatabase } from '../../helpers/database';
import { defineTradingStoreContract } from '../trading-store.contract';

defineTradingStoreContract('PGlite (in memory)', openPgliteDatabase);
