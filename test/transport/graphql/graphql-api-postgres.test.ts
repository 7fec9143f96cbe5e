import { openPostgresDatabase } from '../../helpers/database';
import { describeWithPostgres } from '../../helpers/services';
import { defineGraphQLApiSuite } from './graphql-api.suite';

describeWithPostgres('GraphQL API against PostgreSQL', (url) => defineGraphQLApiSuite('PostgreSQL', () => openPostgresDatabase(url)));
