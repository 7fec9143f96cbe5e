import { explicitArguments } from '@signet/directive-idempotent';
import { fingerprintArguments } from '@signet/idempotency';
import type { DirectiveDeps } from '../../../src/directives';
import type { DomainServices, Order, Principal } from '../../../src/domain';
import type { SqlExecutor } from '../../../src/stores/postgres';
import type { HttpExchange } from '../../../src/transport/graphql/context';
import { createMetrics, type SignetMetrics } from '../../../src/metrics';
import { buildSignetSchema } from '../../../src/transport/graphql/build-schema';
import { openPgliteDatabase, openPostgresDatabase, type TestDatabase } from '../../helpers/database';
import { directiveDepsFor } from '../../helpers/directives';
import { servicesFor } from '../../helpers/domain';
import { createTestGraphQL, type TestGraphQL, type TestResult } from '../../helpers/graphql';
import { WIDE_FIELD_LIMITS, forgetfulMemoryStore, forgetfulRedisStore, type ForgetfulStore } from '../../helpers/idempotency';
import { captureLogger } from '../../helpers/logger';
import { loggedDriver } from '../../helpers/statement-log';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../../helpers/services';

/** Where a suite runs: the SQL engine of the durable records and the fast-path store. */
export interface IdempotencyBackend {
  readonly name: string;
  /** Why the backend is unavailable (its suites are skipped), or null. */
  readonly skipReason: string | null;
  openDatabase(): Promise<TestDatabase>;
  openFastPath(): ForgetfulStore;
}

/** The embedded default: PGlite and memory stores. */
export const memoryBackend: IdempotencyBackend = {
  name: 'memory + PGlite', skipReason: null, openDatabase: openPgliteDatabase, openFastPath: () => forgetfulMemoryStore(),
};

/** The scale-out setup: PostgreSQL and Redis (skipped unless both test services are configured). */
export const redisBackend: IdempotencyBackend = {
  name: 'Redis + PostgreSQL',
  skipReason: TEST_DATABASE_URL && TEST_REDIS_URL ? null : 'TEST_DATABASE_URL and TEST_REDIS_URL are both needed',
  openDatabase: () => openPostgresDatabase(TEST_DATABASE_URL as string),
  openFastPath: () => forgetfulRedisStore(TEST_REDIS_URL as string),
};

/** `describe` on a backend, skipped with its reason in the title when unavailable. */
export function describeOn(backend: IdempotencyBackend, title: string, fn: () => void): void {
  if (backend.skipReason) describe.skip(`${title} on ${backend.name} (skipped: ${backend.skipReason})`, fn);
  else describe(`${title} on ${backend.name}`, fn);
}

/** What the tests of one file share: a database, a fast path that can forget, a server over both. */
export interface IdempotencyFixture {
  readonly services: DomainServices;
  /** The database itself, for checks on the books (`test/helpers/ledger-checks.ts`). */
  readonly sql: SqlExecutor;
  /** The statements the shared services sent while `work` ran (one test at a time), BEGIN and COMMIT included. */
  statementsOf(work: () => Promise<unknown>): Promise<string[]>;
  readonly fast: ForgetfulStore;
  readonly metrics: SignetMetrics;
  readonly log: ReturnType<typeof captureLogger>;
  /** Executes a document against the shared server (untyped: tests assert on shapes). */
  run(query: string, variables: Record<string, unknown>, principal: Principal | null, headers?: HttpExchange['requestHeaders']): Promise<TestResult<any>>;
  /** Another server over the same database, e.g. with flaky services or an injected clock; stopped after the file. */
  serverWith(options: { services?: DomainServices; deps?: Partial<DirectiveDeps> }): Promise<TestGraphQL>;
  /** Orders of an account, newest first. */
  ordersOf(accountId: string): Promise<readonly Order[]>;
}

/** Registers beforeAll/afterAll for a fixture on `backend` and returns its getter. */
export function useIdempotencyFixture(backend: IdempotencyBackend): () => IdempotencyFixture {
  let db: TestDatabase;
  let fixture: IdempotencyFixture;
  const servers: TestGraphQL[] = [];
  const fastPaths: ForgetfulStore[] = [];
  beforeAll(async () => {
    db = await backend.openDatabase();
    const driver = loggedDriver(db.driver);
    const services = servicesFor(driver);
    const fast = backend.openFastPath();
    fastPaths.push(fast);
    const metrics = createMetrics();
    const log = captureLogger();
    const serverWith: IdempotencyFixture['serverWith'] = async (options) => {
      const server = await createTestGraphQL(options.services ?? services, {
        logger: log.logger,
        directives: directiveDepsFor(services, { idempotency: fast.store, metrics, logger: log.logger, rateLimitOverrides: WIDE_FIELD_LIMITS, ...options.deps }),
      });
      servers.push(server);
      return server;
    };
    const api = await serverWith({});
    fixture = {
      services, sql: db.driver, statementsOf: driver.statementsOf, fast, metrics, log, serverWith,
      run: (query, variables, principal, headers) => api.execute(query, variables, principal, headers),
      ordersOf: async (accountId) => (await services.orders.listOrders(accountId, { limit: 100 })).items,
    };
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all(fastPaths.map((f) => f.close()));
    await db?.close();
  });
  return () => fixture;
}

/** placeOrder with a per-field key from `$key` and the full payload. */
export const PLACE = `mutation($input: PlaceOrderInput!, $key: String) {
  placeOrder(input: $input) @idempotent(key: $key) { order { id status } userErrors { code message field } }
}`;

/** A small BUY order on BTC-USD: holds price × quantity USD. */
export const buy = (quantity = '0.01', price = '100') => ({ market: 'BTC-USD', side: 'BUY', price, quantity });

/** placeOrder's arguments as the server coerces `input` (its defaults filled in). */
const coercedPlaceArguments = (input: Record<string, unknown>) => ({
  input: { type: 'LIMIT', timeInForce: 'GTC', postOnly: false, selfTradePrevention: 'CANCEL_NEWEST', ...input },
});

const placeOrderArguments = buildSignetSchema().getMutationType()!.getFields().placeOrder.args;

/** The fingerprint a keyed placeOrder of `input` claims with: the @idempotent wrapper's, over the coerced arguments. */
export const placeFingerprint = (input: Record<string, unknown>): string =>
  fingerprintArguments(explicitArguments(coercedPlaceArguments(input), placeOrderArguments));

/** The first error's extensions code, or undefined. */
export const codeOf = (result: TestResult<unknown>) => result.errors?.[0]?.extensions?.code;
