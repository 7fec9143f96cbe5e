import { openPgliteDatabase } from '../../helpers/database';
import { defineGraphQLApiSuite } from './graphql-api.suite';

defineGraphQLApiSuite('PGlite', openPgliteDatabase);
