import { randomUUID } from 'node:crypto';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { graphql, GraphQLError, type GraphQLSchema } from 'graphql';
import { createMemoryIdempotencyStore, type IdempotencyStore } from '@signet/idempotency';
import { idempotentDirective, idempotentDirectiveTypeDefs, idempotentTransformer, type IdempotentDirectiveOptions, type IdempotentFieldEvent } from '../src';
import { inMemoryDatabase } from './in-memory-database';

/**
 * The directive on a server that is not Signet: an SDL-first notes schema, its own context,
 * errors and codec, the directive renamed `@once`, and a toy database.
 */
interface Context { readonly user?: string; readonly headers: Record<string, string | undefined>; readonly replayed: string[]; readonly request?: object }

const typeDefs = `
  ${idempotentDirectiveTypeDefs('once')}
  type Note { id: ID! text: String! }
  type Query { ping: String }
  type Mutation { addNote(text: String!): Note @once(required: true) }
`;

const errorOf = (code: string) => (...args: unknown[]) => new GraphQLError(code, { extensions: { code, args } });

function server(options: { store?: IdempotencyStore; typeDefs?: string; db?: ReturnType<typeof inMemoryDatabase> } = {}) {
  const db = options.db ?? inMemoryDatabase();
  let executions = 0;
  let store = options.store ?? createMemoryIdempotencyStore();
  const events: IdempotentFieldEvent[] = [];
  const base = makeExecutableSchema({
    typeDefs: options.typeDefs ?? typeDefs,
    resolvers: {
      Mutation: {
        addNote: async (_source: unknown, { text }: { text: string }) => {
          executions += 1;
          const id = randomUUID();
          db.writeNote(id, text);
          await new Promise((resolve) => setTimeout(resolve, 5));
          return { id, text };
        },
      },
    },
  });
  const directive: IdempotentDirectiveOptions<Context> = {
    name: 'once',
    scope: (context) => context.user,
    header: (context, name) => context.headers[name],
    request: (context) => context.request,
    store: () => store,
    markReplayed: (context, responseKey) => context.replayed.push(responseKey),
    codec: ({ type }) => {
      if (String(type) !== 'Note') throw new Error('only notes can be replayed');
      return {
        encode: (note) => JSON.stringify({ id: (note as { id: string }).id }),
        isRefusal: () => false,
        replay: async (outcome) => {
          const { id } = JSON.parse(outcome) as { id: string };
          return { id, text: db.notes.get(id) };
        },
      };
    },
    records: db.records,
    transactions: db.transactions,
    retentionMs: 60_000,
    errors: {
      invalidKey: errorOf('BAD_KEY'), keyRequired: errorOf('KEY_REQUIRED'), unauthenticated: errorOf('UNAUTHENTICATED'),
      unavailable: errorOf('UNAVAILABLE'), keyReused: errorOf('KEY_REUSED'), inProgress: errorOf('IN_PROGRESS'),
    },
    onEvent: (_context, event) => events.push(event),
  };
  const schema: GraphQLSchema = idempotentTransformer(base, directive);
  const run = async (source: string, context: Partial<Context> = {}) => {
    const contextValue: Context = { user: 'alice', headers: {}, replayed: [], ...context };
    const result = await graphql({ schema, source, contextValue });
    return { ...result, replayed: contextValue.replayed };
  };
  return {
    db, events, run, build: (sdl: string) => idempotentTransformer(makeExecutableSchema({ typeDefs: sdl }), directive),
    get executions() { return executions; },
    /** Drops every lease and cached outcome, as a FLUSHALL does to Redis. */
    forget: () => { store = createMemoryIdempotencyStore(); },
  };
}

const ADD = (key: string, text = 'hello') => `mutation { addNote(text: "${text}") @once(key: "${key}") { id text } }`;
const codes = (result: { errors?: readonly GraphQLError[] }) => (result.errors ?? []).map((e) => e.extensions.code);

describe('@idempotent on a server that is not Signet (renamed @once)', () => {
  test('20 concurrent duplicates: one execution, the others told it is in progress; a retry replays it', async () => {
    const api = server();
    const results = await Promise.all(Array.from({ length: 20 }, () => api.run(ADD('k-20'))));
    expect(api.executions).toBe(1);
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.flatMap(codes)).toEqual(Array(19).fill('IN_PROGRESS'));
    const retry = await api.run(ADD('k-20'));
    expect(retry.data).toEqual(results.find((r) => !r.errors)!.data);
    expect(retry.replayed).toEqual(['addNote']);
    expect(api.executions).toBe(1);
    expect(api.db.notes.size).toBe(1);
  });

  test('after the fast path lost everything, a retry replays the first from the durable record without running again', async () => {
    const api = server();
    const first = await api.run(ADD('k-lost'));
    api.forget(); // a new store: complete only from now on, so the record is read first
    const retry = await api.run(ADD('k-lost'));
    expect(api.executions).toBe(1);
    expect(api.db.notes.size).toBe(1);
    expect(retry.data).toEqual(first.data);
    expect(retry.replayed).toEqual(['addNote']);
    expect(api.events.map((e) => e.kind)).toEqual(['executed', 'replayed']);
    expect(api.events[1]).toMatchObject({ kind: 'replayed', source: 'durable' });
  });

  test('the key from the Idempotency-Key header; another caller\'s equal key is another scope', async () => {
    const api = server();
    const headers = { 'idempotency-key': 'k-header' };
    const alice = await api.run('mutation { addNote(text: "a") { id } }', { headers });
    const bob = await api.run('mutation { addNote(text: "a") { id } }', { headers, user: 'bob' });
    expect(codes(alice)).toEqual([]);
    expect(codes(bob)).toEqual([]);
    expect(api.executions).toBe(2);
    expect((await api.run('mutation { addNote(text: "a") { id } }', { headers })).replayed).toEqual(['addNote']);
  });

  test('in a batched HTTP request the header keys one operation: the batch\'s other operations that would use it are refused', async () => {
    const api = server();
    const headers = { 'idempotency-key': 'k-batch' };
    // A batch as Apollo Server and graphql-yoga run one: an operation per entry, each with its own
    // context, all sharing the HTTP request, executed at once.
    const batch = (operations: string[], withHeader = true) => {
      const request = {};
      return Promise.all(operations.map((source) => api.run(source, { headers: withHeader ? headers : {}, request })));
    };
    const twice = ['mutation { addNote(text: "a") { id } }', 'mutation Second { addNote(text: "a") { id } }'];
    const first = await batch(twice);
    expect(first.map(codes)).toEqual([[], ['BAD_KEY']]);
    expect(api.executions).toBe(1);
    const retried = await batch(twice);
    expect(retried.map(codes)).toEqual([[], ['BAD_KEY']]);
    expect(retried[0].data).toEqual(first[0].data);
    expect(api.executions).toBe(1);
    // Each field with its own key (no header): both run.
    const keyed = await batch([ADD('k-batch-1'), ADD('k-batch-2')], false);
    expect(keyed.map(codes)).toEqual([[], []]);
    expect(api.executions).toBe(3);
  });

  test('refusals come from the host\'s factories and nothing runs', async () => {
    const api = server();
    await api.run(ADD('k-reused', 'one'));
    expect(codes(await api.run(ADD('k-reused', 'two')))).toEqual(['KEY_REUSED']);
    expect(codes(await api.run('mutation { addNote(text: "x") { id } }'))).toEqual(['KEY_REQUIRED']);
    expect(codes(await api.run(ADD(' padded ')))).toEqual(['BAD_KEY']);
    expect(codes(await api.run(ADD('k-anonymous'), { user: undefined }))).toEqual(['UNAUTHENTICATED']);
    expect(api.executions).toBe(1);
    expect(api.events.filter((e) => e.kind === 'key_required')).toEqual([{ kind: 'key_required', field: 'addNote' }]);
  });

  test('a retry across a deploy that adds a defaulted argument or input field replays: defaults are left out of the fingerprint', async () => {
    const version = (inputFields: string, args: string) => `
      ${idempotentDirectiveTypeDefs('once')}
      type Note { id: ID! text: String! }
      type Query { ping: String }
      input NoteStyle { font: String = "serif" ${inputFields} }
      type Mutation { addNote(text: String!, style: NoteStyle = {}${args}): Note @once(required: true) }
    `;
    const v1 = version('', '');
    // The next release: a defaulted input field, a defaulted argument, and a changed default.
    const v2 = version('size: Int = 12', ', pinned: Boolean = false').replace('"serif"', '"sans"');
    const store = createMemoryIdempotencyStore();
    const db = inMemoryDatabase();
    const before = server({ typeDefs: v1, store, db });
    const call = (key: string, style = '{ font: "mono" }') => `mutation { addNote(text: "deploy", style: ${style}) @once(key: "${key}") { id text } }`;
    const first = await before.run(call('k-deploy'));
    const implicit = await before.run(call('k-deploy-implicit', '{}'));
    expect(codes(first)).toEqual([]);
    expect(before.executions).toBe(2);

    // Served by the new release, from the fast path and, once that forgot, from the durable record.
    for (const after of [server({ typeDefs: v2, store, db }), server({ typeDefs: v2, db })]) {
      const retry = await after.run(call('k-deploy'));
      expect(codes(retry)).toEqual([]);
      expect(retry.data).toEqual(first.data);
      expect(retry.replayed).toEqual(['addNote']);
      // Writing the new defaults out is the same call too.
      expect((await after.run(call('k-deploy', '{ font: "mono", size: 12 }'))).replayed).toEqual(['addNote']);
      // A default that changed: the first call left the font to the schema, so does its retry.
      expect((await after.run(call('k-deploy-implicit', '{}'))).data).toEqual(implicit.data);
      // Anything else is still another call.
      expect(codes(await after.run(call('k-deploy', '{ font: "mono", size: 14 }')))).toEqual(['KEY_REUSED']);
      expect(after.executions).toBe(0);
    }
    expect(db.notes.size).toBe(2);
  });

  test('a field the directive cannot make idempotent stops the server from building, with the codec\'s reason', () => {
    const api = server();
    const sdl = (field: string) => `${idempotentDirectiveTypeDefs('once')} type Note { id: ID! } type Query { ping: String } ${field}`;
    expect(() => api.build(sdl('type Mutation { go: String @once }'))).toThrow('@once on Mutation.go: only notes can be replayed');
    expect(() => api.build(sdl('type Mutation { go: Note } extend type Query { read: Note @once }'))).toThrow('@once on Query.read: only Mutation fields can be idempotent');
  });
});

describe('the declaration', () => {
  test('a directive name the schema does not declare is refused when the schema is built: required keys would go unenforced, silently', () => {
    const { build } = server();
    expect(() => build(`${idempotentDirectiveTypeDefs()}\ntype Query { ping: String }\ntype Mutation { addNote(text: String!): Note @idempotent(required: true) }\ntype Note { id: ID! text: String! }`))
      .toThrow("the schema declares no @once directive; add idempotentDirectiveTypeDefs('once')");
  });

  test('the SDL form prints the code-first one: same descriptions, no host error code, and a name that is not a GraphQL name is refused', () => {
    const sdl = idempotentDirectiveTypeDefs('once');
    const built = makeExecutableSchema({ typeDefs: `${sdl}\ntype Query { ping: String }` }).getDirective('once')!;
    const coded = idempotentDirective('once');
    expect(built.description).toBe(coded.description);
    expect(built.args.map((a) => [a.name, a.description])).toEqual(coded.args.map((a) => [a.name, a.description]));
    // The host chooses its error codes: a description naming one (IDEMPOTENCY_KEY_REQUIRED) is wrong for every other host.
    expect([coded.description, ...coded.args.map((a) => a.description)].join(' ')).not.toMatch(/[A-Z]{2,}_[A-Z]{2,}/);
    expect(() => idempotentDirectiveTypeDefs('once) on FIELD directive @x(')).toThrow();
  });
});
