/**
 * Starts the notes example: Apollo Server 5 on plain `node:http`, the three Signet directives,
 * memory stores or Redis ones (`redisUrl`).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { authenticator } from './authenticate';
import { reportedHeaders, type NotesContext } from './context';
import { applyDirectives, directiveTypeDefs } from './directives';
import { graphqlHandler, GRAPHQL_PATH } from './http-handler';
import { KeyRegistry, type RegisteredKey } from './keys';
import { Notebook } from './notebook';
import { NOTES_TYPE_DEFS, notesResolvers } from './schema';
import { createMemoryIdempotencyRecordStore, createMemoryTransactionRunner } from '@signet/idempotency';
import { openStores } from './stores';

/** How to start the example. */
export interface NotesServerOptions {
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

/** A running notes server. */
export interface RunningNotesServer {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`. */
  readonly url: string;
  /** The toy domain, for inspection. */
  readonly notebook: Notebook;
  /** The key registry: `keys.add(key)` registers a key while the server runs. */
  readonly keys: KeyRegistry;
  /** Stops accepting requests, then closes Apollo and the stores. */
  close(): Promise<void>;
}

/** Starts the notes server on 127.0.0.1 and resolves once it listens. */
export async function start(options: NotesServerOptions = {}): Promise<RunningNotesServer> {
  const now = options.now ?? Date.now;
  const transactions = createMemoryTransactionRunner();
  const notebook = new Notebook((undo) => transactions.onRollback(undo), now);
  const records = createMemoryIdempotencyRecordStore(transactions);
  const stores = await openStores(options.redisUrl, now, options.clockToleranceMs);
  const keys = new KeyRegistry(options.keys);

  const schema = makeExecutableSchema({ typeDefs: [directiveTypeDefs, NOTES_TYPE_DEFS], resolvers: notesResolvers(notebook) });
  const apollo = new ApolloServer<NotesContext>({ schema: applyDirectives(schema, { stores, records, transactions, now }), includeStacktraceInErrorResponses: false });
  await apollo.start();

  // The verifier needs the authority, known once the port is: the handler is attached after listen.
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(options.port ?? 0, '127.0.0.1', resolve));
  const authority = `127.0.0.1:${(http.address() as AddressInfo).port}`;
  http.on('request', graphqlHandler(apollo, authenticator({ keys, nonces: stores.nonces, now, authority }), reportedHeaders));

  return {
    url: `http://${authority}${GRAPHQL_PATH}`,
    notebook,
    keys,
    async close() {
      await new Promise<void>((resolve, reject) => {
        http.close((error) => (error ? reject(error) : resolve()));
        http.closeAllConnections();
      });
      await apollo.stop();
      await stores.close();
    },
  };
}
