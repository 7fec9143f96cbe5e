import { openPgliteDatabase } from '../../helpers/database';
import { defineWeakKeySuite } from './weak-keys.suite';

defineWeakKeySuite('PGlite', openPgliteDatabase);
