/**
 * The SDK's promises about itself: it bundles for a browser with no Node built-ins, and its list of
 * `@idempotent` mutations is exactly the schema's.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, buildSchema, getVariableValues, parse, type FragmentDefinitionNode, type ObjectTypeDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { IDEMPOTENT_MUTATION_FIELDS, describeOperation, PlaceOrderDocument, MeDocument } from '@signet/sdk';
import { keyedFields, rootFields } from '@signet/directive-idempotent';

const root = join(__dirname, '..', '..');

describe('the SDK runs in a browser', () => {
  test('@signet/sdk bundles for the browser platform, pulling in no node: module and no server code', async () => {
    const result = await build({
      // The repository's tsconfig maps @signet/* to the packages' sources, so the check reads sources, not builds.
      entryPoints: [join(root, 'packages/sdk/src/index.ts')], tsconfig: join(root, 'tsconfig.json'), bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent',
    });
    const ours = Object.keys(result.metafile.inputs).filter((file) => !file.includes('node_modules/'));
    // Beside its own files it shares only the signing package's main entry: never its node:crypto
    // provider (`/node`), never the app's server code.
    const shared = ours.filter((file) => !file.startsWith('packages/sdk/src/'));
    expect(shared).toContain('packages/http-message-signatures/src/sign-request.ts');
    expect(shared.filter((file) => !/^packages\/http-message-signatures\/src\/[^/]+\.ts$/.test(file))).toEqual([]);
    const packages = new Set(Object.keys(result.metafile.inputs).filter((f) => f.includes('node_modules/')).map((f) => f.split('node_modules/')[1].split('/')[0]));
    expect([...packages].sort()).toEqual(['graphql', 'structured-headers']);
    for (const file of ours) {
      const source = readFileSync(join(root, file), 'utf8');
      expect({ file, nodeImport: /from ['"]node:|require\(['"]node:/.test(source), buffer: /\bBuffer\s*[.(]/.test(source) }).toEqual({ file, nodeImport: false, buffer: false });
    }
  });
});

describe('which mutations the SDK keys', () => {
  test('IDEMPOTENT_MUTATION_FIELDS is exactly the Mutation fields marked @idempotent in schema/schema.graphql', () => {
    const sdl = parse(readFileSync(join(root, 'schema/schema.graphql'), 'utf8'));
    const mutation = sdl.definitions.find((d): d is ObjectTypeDefinitionNode => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === 'Mutation');
    const marked = (mutation?.fields ?? []).filter((f) => f.directives?.some((d) => d.name.value === 'idempotent')).map((f) => f.name.value);
    expect(marked.length).toBeGreaterThan(0);
    expect([...IDEMPOTENT_MUTATION_FIELDS].sort()).toEqual(marked.sort());
  });

  test('describeOperation finds keyed fields through aliases and fragments, and only in mutations', () => {
    expect(describeOperation(PlaceOrderDocument)).toMatchObject({ kind: 'mutation', operationName: 'PlaceOrder', keyedFields: ['placeOrder'], unkeyedFields: [] });
    expect(describeOperation(MeDocument)).toMatchObject({ kind: 'query', keyedFields: [] });
    const two = parse('mutation { a: placeOrder(input: $i) { order { id } } ...F } fragment F on Mutation { b: cancelOrder(id: "1") { order { id } } other }');
    expect(describeOperation(two)).toMatchObject({ keyedFields: ['placeOrder', 'cancelOrder'], unkeyedFields: ['other'] });
    expect(() => describeOperation(parse('query A { me { id } } query B { me { id } }'))).toThrow(/exactly one operation/);
  });

  test('describeOperation counts the keyed fields the server counts (@signet/directive-idempotent rootFields), variables included', () => {
    const schema = buildSchema(readFileSync(join(root, 'schema/schema.graphql'), 'utf8'));
    const serverKeyed = keyedFields(schema);
    const place = (directives = '') => `placeOrder(input: $input) ${directives} { order { id } }`;
    const cancel = (directives = '') => `cancelOrder(id: "o-1") ${directives} { order { id } }`;
    const [PLACE, CANCEL] = [place(), cancel()];
    const cases: Array<[string, Record<string, unknown>]> = [
      [`mutation ($input: PlaceOrderInput!) { ${PLACE} ...F } fragment F on Mutation { ${PLACE} }`, {}],
      [`mutation ($input: PlaceOrderInput!) { a: ${PLACE} b: ${PLACE} }`, {}],
      [`mutation ($input: PlaceOrderInput!, $p: Boolean!) { ${place('@include(if: $p)')} ${CANCEL} }`, { p: false }],
      [`mutation ($input: PlaceOrderInput!, $p: Boolean!) { ${place('@include(if: $p)')} ${CANCEL} }`, { p: true }],
      [`mutation ($input: PlaceOrderInput!, $s: Boolean = true) { ${place('@skip(if: $s)')} ${CANCEL} }`, {}],
      [`mutation ($input: PlaceOrderInput!, $s: Boolean = true) { ${place('@skip(if: $s)')} ${CANCEL} }`, { s: false }],
      [`mutation ($input: PlaceOrderInput!) { ...F @skip(if: true) ...F ... @include(if: false) { ${CANCEL} } } fragment F on Mutation { ${PLACE} }`, {}],
      [`mutation ($input: PlaceOrderInput!) { ... on Mutation { ${PLACE} } x: ${CANCEL} serverTime: ${cancel('@skip(if: true)')} }`, {}],
      // A variable set to undefined is not sent (JSON drops it): the declared default decides (diff review).
      [`mutation ($input: PlaceOrderInput!, $again: Boolean = false) { a: ${PLACE} b: ${place('@include(if: $again)')} }`, { again: undefined }],
      [`mutation ($input: PlaceOrderInput!, $s: Boolean = true) { ${place('@skip(if: $s)')} ${CANCEL} }`, { s: undefined }],
    ];
    for (const [text, inputs] of cases) {
      const document = parse(text);
      const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
      const fragments = Object.fromEntries(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
      // The server sees the variables as they travel: JSON, where an undefined value is not sent.
      const sent = JSON.parse(JSON.stringify({ input: { market: 'BTC-USD', side: 'BUY', price: '1', quantity: '1' }, ...inputs }));
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], sent);
      if (!coerced.coerced) throw new Error(`${text}: ${coerced.errors?.[0]?.message}`);
      const server = [...rootFields({ schema, operation, fragments, variableValues: coerced.coerced })].filter(([, nodes]) => serverKeyed.has(nodes[0].name.value)).map(([, nodes]) => nodes[0].name.value);
      expect({ text, inputs, keyed: describeOperation(document, { variables: inputs }).keyedFields }).toEqual({ text, inputs, keyed: server });
    }
  });
});
