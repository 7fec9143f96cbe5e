/**
 * Starts the payments example: graphql-yoga on `node:http`, the three Signet directives,
 * memory stores or Redis ones (`redisUrl`).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { authenticator } from './authenticate';
import type { PaymentsContext } from './context';
import { applyDirectives, directiveTypeDefs } from './directives';
import { KeyRegistry, type RegisteredKey } from './keys';
import { Ledger } from './ledger';
import { requestPlugin, type NodeServerContext } from './request-plugin';
import { PAYMENTS_TYPE_DEFS, paymentsResolvers } from './schema';
import { createMemoryIdempotencyRecordStore, createMemoryTransactionRunner } from '@signet/idempotency';
import { openStores } from './stores';

/** The GraphQL endpoint's path. */
export const GRAPHQL_PATH = '/graphql';

/** How to start the example. */
export interface PaymentsServerOptions {
  /** Opening balances by account; a key's account needs one to pay or be paid. */
  readonly balances: Readonly<Record<string, number>>;
  /** The keys that may sign requests from the start (more with `keys.add`). */
  readonly keys?: readonly RegisteredKey[];
  /** Redis for nonces, rate-limit counters and idempotency leases; memory stores when absent. */
  readonly redisUrl?: string;
  /**
   * With Redis: how far apart the clocks of the processes sharing it may be (ms; the nonce store's
   * `clockToleranceMs`, 5 s by default). Keep the default with several processes; 0 only for one.
   */
  readonly clockToleranceMs?: number;
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Clock in ms since the epoch (injectable for tests). */
  readonly now?: () => number;
}

/** A running payments server. */
export interface RunningPaymentsServer {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`. */
  readonly url: string;
  /** The toy domain, for inspection. */
  readonly ledger: Ledger;
  /** The key registry: `keys.add(key)` registers a key while the server runs. */
  readonly keys: KeyRegistry;
  /** Stops accepting requests, then closes the stores. */
  close(): Promise<void>;
}

/** Starts the payments server on 127.0.0.1 and resolves once it listens. */
export async function start(options: PaymentsServerOptions): Promise<RunningPaymentsServer> {
  const now = options.now ?? Date.now;
  const transactions = createMemoryTransactionRunner();
  const ledger = new Ledger(options.balances, (undo) => transactions.onRollback(undo));
  const records = createMemoryIdempotencyRecordStore(transactions);
  const stores = await openStores(options.redisUrl, now, options.clockToleranceMs);
  const keys = new KeyRegistry(options.keys);
  const schema = createSchema<PaymentsContext>({ typeDefs: [directiveTypeDefs, PAYMENTS_TYPE_DEFS], resolvers: paymentsResolvers(ledger) });

  // The verifier needs the authority, known once the port is: the handler is attached after listen.
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(options.port ?? 0, '127.0.0.1', resolve));
  const authority = `127.0.0.1:${(http.address() as AddressInfo).port}`;

  const requests = requestPlugin(authenticator({ keys, nonces: stores.nonces, now, authority }));
  const yoga = createYoga<NodeServerContext, PaymentsContext>({
    schema: applyDirectives(schema, { stores, records, transactions, now }),
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: false,
    landingPage: false,
    plugins: [requests.plugin],
    context: ({ request }) => requests.contextOf(request),
  });
  http.on('request', yoga);

  return {
    url: `http://${authority}${GRAPHQL_PATH}`,
    ledger,
    keys,
    async close() {
      await new Promise<void>((resolve, reject) => {
        http.close((error) => (error ? reject(error) : resolve()));
        http.closeAllConnections();
      });
      await stores.close();
    },
  };
}
