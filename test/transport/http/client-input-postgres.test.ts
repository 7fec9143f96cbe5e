import { openPostgresDatabase } from '../../helpers/database';
import { describeWithPostgres } from '../../helpers/services';
import { defineClientInputSuite } from './client-input.suite';

describeWithPostgres('client input against PostgreSQL', (url) => defineClientInputSuite('PostgreSQL', () => openPostgresDatabase(url)));
