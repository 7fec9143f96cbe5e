import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSignetSchema } from '../src/transport/graphql/print-schema';

describe('schema/schema.graphql', () => {
  test('is the schema the server builds (run `npm run schema` after changing resolvers)', () => {
    const committed = readFileSync(join(__dirname, '..', 'schema', 'schema.graphql'), 'utf8');
    expect(committed).toBe(printSignetSchema());
  });
});
