import { makeExecutableSchema } from '@graphql-tools/schema';
import { astFromDirective } from '@graphql-tools/utils';
import { print, type GraphQLSchema } from 'graphql';
import { idempotentDirective, idempotentDirectiveTypeDefs } from '@signet/directive-idempotent';
import type { DirectiveDeps } from '../../../src/directives';
import { idempotentTransformer } from '../../../src/directives/idempotent';
import { buildSignetSchema } from '../../../src/transport/graphql/build-schema';

const DECLARATION = print(astFromDirective(idempotentDirective()));
const build = (types: string): GraphQLSchema => makeExecutableSchema({ typeDefs: `${DECLARATION}\ntype Query { ping: String }\n${types}` });
const deps = {} as DirectiveDeps;

describe('@idempotent in the schema', () => {
  const schema = buildSignetSchema();
  const mutations = schema.getMutationType()!.getFields();

  test('the directive is declared for schema fields and operation fields, with required defaulting to false', () => {
    // Descriptions, commas and line breaks are layout, not meaning.
    const normalize = (sdl: string) => sdl.replace(/"""[^]*?"""/g, '').replace(/[\s,]+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim();
    expect(normalize(DECLARATION)).toBe(normalize(idempotentDirectiveTypeDefs()));
    expect(schema.getDirective('idempotent')?.locations).toEqual(['FIELD_DEFINITION', 'FIELD']);
  });

  test('placeOrder and createTransfer require a key; the other mutations take one optionally; each says so in its description', () => {
    const required = ['placeOrder', 'createTransfer'];
    for (const name of ['placeOrder', 'cancelOrder', 'createTransfer', 'createApiKey', 'revokeApiKey']) {
      const expected = `Idempotent: retry safely with an idempotency key (${required.includes(name) ? 'required' : 'optional'}).`;
      expect(mutations[name].description).toContain(expected);
    }
    expect(schema.getQueryType()!.getFields().me.description).not.toContain('Idempotent');
  });

  test('a server refuses to start with @idempotent on a field it cannot make idempotent', () => {
    expect(() => idempotentTransformer(build('type Mutation { go: String } extend type Query { read: String @idempotent }'), deps)).toThrow(/only Mutation fields/);
    expect(() => idempotentTransformer(build('type Mutation { go: String @idempotent }'), deps)).toThrow(/no order, transfer, apiKey or orders/);
    expect(() => idempotentTransformer(build('type Order { id: ID! } type UserError { code: String } type P { order: Order userErrors: [UserError!]! } type Mutation { go: P @idempotent }'), deps)).not.toThrow();
  });
});
