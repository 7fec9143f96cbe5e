import { openPgliteDatabase } from '../../helpers/database';
import { defineClientInputSuite } from './client-input.suite';

defineClientInputSuite('PGlite', openPgliteDatabase);
