import type { DomainServices } from '../../../src/domain';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { servicesFor } from '../../helpers/domain';
import { createTestGraphQL, type TestGraphQL } from '../../helpers/graphql';

/**
 * With introspection off (production's default), errors name nothing of the schema a client did
 * not write: no "Did you mean" for fields, arguments or enum values.
 */
describe('schema details in errors', () => {
  let db: TestDatabase;
  let services: DomainServices;
  let closed: TestGraphQL;
  let open: TestGraphQL;
  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver);
    closed = await createTestGraphQL(services, { introspection: false });
    open = await createTestGraphQL(services, { introspection: true });
  });
  afterAll(async () => {
    await closed?.stop();
    await open?.stop();
    await db?.close();
  });

  const messages = async (graphql: TestGraphQL, document: string, variables?: Record<string, unknown>) => ((await graphql.execute(document, variables)).errors ?? []).map((e) => e.message).join('\n');

  test.each([
    ['an enum value one letter short', 'query ($s: Scope = MANAGE_KEY) { __typename }', 'MANAGE_KEYS'],
    ['a list of enum values with a typo', 'query ($s: [Scope!] = [TRAD]) { __typename }', 'TRADE'],
    ['a field with a typo', '{ serverTim }', 'serverTime'],
  ])('%s: no suggestion with introspection off (enum values were suggested); one with it on', async (_name, document, suggested) => {
    const hidden = await messages(closed, document);
    expect(hidden).not.toMatch(/Did you mean/);
    expect(hidden).not.toContain(suggested);
    expect(await messages(open, document)).toContain(suggested);
  });

  test.each([
    ['an input field', { market: 'BTC-USD', side: 'BUY', type: 'LIMIT', price: '1', quantitty: '1' }, '"quantity"'],
    ['an enum value', { market: 'BTC-USD', side: 'BUY', type: 'LIMT', price: '1', quantity: '1' }, '"LIMIT"'],
  ])('a variable with a typo in %s: no suggestion with introspection off (it was suggested); one with it on', async (_name, input, suggested) => {
    const document = 'mutation ($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }';
    const hidden = await messages(closed, document, { i: input });
    expect(hidden).toMatch(/PlaceOrderInput|OrderType/);
    expect(hidden).not.toMatch(/Did you mean/);
    expect(hidden).not.toContain(suggested);
    expect(await messages(open, document, { i: input })).toContain(suggested);
  });
});
