/**
 * An introspection answer is at most about one schema's worth: aliases below `__schema` and
 * `__type`, which no introspection tool sends, are refused (fifteen aliased `types` lists under
 * one `__schema` answered 1 MB for an armor cost of 3,743), while the standard queries and
 * aliased `__type` lookups at the root still work.
 */
import { getIntrospectionQuery } from 'graphql';
import { embeddedTestHttpServer, postGraphQL } from '../../helpers/http-server';

const EVERY_OPTION = { descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true };

/** The review's document: one `__schema` with `count` aliased copies of a full type listing. */
function aliasedTypeLists(count: number): string {
  const typeRef = 'type { name kind ofType { name kind ofType { name kind } } }';
  const listing = `types { name kind description fields(includeDeprecated: true) { name description isDeprecated ${typeRef} args { name description ${typeRef} } } enumValues(includeDeprecated: true) { name description } inputFields { name description ${typeRef} } }`;
  return `query Q { __schema { ${Array.from({ length: count }, (_, i) => `t${i}: ${listing}`).join(' ')} } }`;
}

describe('aliases below introspection', () => {
  const server = embeddedTestHttpServer();

  /** Expects a 400 naming the alias rule, with nothing executed. */
  function expectAliasRefusal(res: Awaited<ReturnType<typeof postGraphQL>>, found: string): void {
    expect(res.status).toBe(400);
    expect(res.json.data).toBeUndefined();
    expect(res.json.errors).toEqual(expect.arrayContaining([expect.objectContaining({
      message: expect.stringContaining(`Aliases are not allowed below __schema and __type (found "${found}"`),
      extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }),
    })]));
  }

  test('fifteen aliased type lists under one __schema are refused before anything runs', async () => {
    const res = await postGraphQL(server.url, { query: aliasedTypeLists(15) });
    expectAliasRefusal(res, 't0: types');
    expect(res.text.length).toBeLessThan(2_000);
  });

  test('an alias anywhere below __schema or __type is refused, fragments on introspection types included', async () => {
    expectAliasRefusal(await postGraphQL(server.url, { query: '{ __schema { types { name } all: types { kind } } }' }), 'all: types');
    expectAliasRefusal(await postGraphQL(server.url, { query: '{ __type(name: "Order") { fields { n: name } } }' }), 'n: name');
    expectAliasRefusal(await postGraphQL(server.url, { query: '{ __type(name: "Order") { ...T } } fragment T on __Type { k: kind }' }), 'k: kind');
    expectAliasRefusal(await postGraphQL(server.url, { query: '{ __schema { queryType { t: __typename } } }' }), 't: __typename');
  });

  test('aliased __type lookups at the root, and aliases in ordinary queries, still work', async () => {
    const res = await postGraphQL(server.url, { query: '{ order: __type(name: "Order") { name } side: __type(name: "OrderSide") { kind } now: serverTime }' });
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({ order: { name: 'Order' }, side: { kind: 'ENUM' }, now: expect.any(String) });
  });

  test.each([
    ['getIntrospectionQuery()', getIntrospectionQuery()],
    ['GraphiQL\'s introspection query', getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true })],
    ['the query with every option (codegen and newer tools)', getIntrospectionQuery(EVERY_OPTION)],
  ])('%s still returns the schema', async (_name, query) => {
    const res = await postGraphQL(server.url, { query });
    expect(res.status).toBe(200);
    expect(res.json.errors).toBeUndefined();
    expect(res.json.data.__schema.types.length).toBeGreaterThan(10);
  });
});
