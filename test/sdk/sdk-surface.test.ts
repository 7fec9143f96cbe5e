/**
 * The SDK's promises about itself: it bundles for a browser with no Node built-ins, and its list of
 * `@idempotent` mutations is exactly the schema's.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, type ObjectTypeDefinitionNode } from 'graphql';
import { IDEMPOTENT_MUTATION_FIELDS, describeOperation, PlaceOrderDocument, MeDocument } from '@signet/sdk';

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
});
