/**
 * Scenario 3's server (a child process of the bench): the same Fastify + Apollo stack, resolvers,
 * domain services and database as `signet serve`, with NO directive applied and no signature
 * check. It exists only here: it is built from exported factories by this bench entry point, and
 * nothing in src/ (configuration, environment, CLI) can produce it.
 *
 * Run by bench/run.ts as `node dist-bench/bench/control-server.js` with the same environment as
 * the protected server (DATABASE_URL or SIGNET_DATA_DIR, LOG_LEVEL) plus BENCH_ACCOUNTS. It seeds
 * that many funded accounts, listens on PORT, and prints one line `BENCH_READY <json>`.
 */
import 'reflect-metadata';
import { MapperKind, getDirectiveExtensions, mapSchema } from '@graphql-tools/utils';
import type { GraphQLSchema } from 'graphql';
import { parseConfig } from '../src/config';
import { ALL_SCOPES, type DomainServices } from '../src/domain';
import { createLogger, openRuntime } from '../src/main';
import { buildSignetSchema } from '../src/transport/graphql/build-schema';
import { createHttpServer } from '../src/transport/http/create-http-server';

/** USD each bench account starts with: orders hold one cent each, so this never runs out. */
export const BENCH_DEPOSIT_USD = '10000000';

/**
 * The schema with every applied directive removed from every field, so the directive
 * transformers find nothing to wrap: the resolvers run bare. Throws if any survives.
 */
export function withoutAppliedDirectives(schema: GraphQLSchema): GraphQLSchema {
  const stripped = mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field) => ({
      ...field,
      astNode: field.astNode ? { ...field.astNode, directives: [] } : field.astNode,
      extensions: { ...field.extensions, directives: undefined },
    }),
  });
  for (const type of Object.values(stripped.getTypeMap())) {
    if (!('getFields' in type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (Object.keys(getDirectiveExtensions(field as never, stripped)).length > 0) throw new Error(`${type.name}.${field.name} still carries a directive`);
    }
  }
  return stripped;
}

/** Creates `count` accounts funded with {@link BENCH_DEPOSIT_USD}; returns their ids. */
export async function seedControlAccounts(services: DomainServices, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const account = await services.accounts.createAccount(`bench-control-${process.pid}-${i}`);
    if (!account.ok) throw new Error(account.errors[0].message);
    const deposit = await services.accounts.deposit(account.value.id, 'USD', BENCH_DEPOSIT_USD);
    if (!deposit.ok) throw new Error(deposit.errors[0].message);
    ids.push(account.value.id);
  }
  return ids;
}

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const logger = createLogger(config.logLevel);
  const runtime = await openRuntime(config, logger);
  const accounts = await seedControlAccounts(runtime.services, Number(process.env.BENCH_ACCOUNTS ?? 2));
  const known = new Set(accounts);
  const app = await createHttpServer({
    schema: withoutAppliedDirectives(buildSignetSchema()), services: runtime.services, logger, introspection: false, development: false,
    readiness: runtime.readiness, directives: runtime.directiveDeps(),
    // The caller is whoever the header names: no signature, no scope, no limit (the point of the control).
    authenticate: async (request) => {
      const id = request.headers['x-bench-account'];
      return { principal: typeof id === 'string' && known.has(id) ? { accountId: id, keyId: 'bench-control', scopes: ALL_SCOPES } : null };
    },
  });
  const url = await app.listen({ host: '127.0.0.1', port: config.port });
  process.stdout.write(`BENCH_READY ${JSON.stringify({ url, accounts })}\n`);
  const stop = async () => {
    await app.close();
    await runtime.close();
  };
  process.once('SIGTERM', () => void stop());
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`control server: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
