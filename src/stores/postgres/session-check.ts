import { Client } from 'pg';
import { endPgClient } from './end-pg-client';
import { connectWithin } from './single-process-lock';

/**
 * What a start checks of the connections DATABASE_URL gives before anything runs on them (the
 * single-process lock, migrations): that each is a session of its own, and that the search_path
 * the URL asks for is the one they use. Both fail quietly behind a pooler otherwise.
 *
 * Signet keeps state in its connections' sessions: the hot statements are named prepared
 * statements (pg-driver.ts), the timeouts are session settings, and the single-process lock is a
 * session advisory lock. Behind a pooler in transaction (or statement) mode each transaction may
 * run on another backend: prepared statements "already exist" or "do not exist" there, so signed
 * mutations fail, and the lock stays behind on a pooled backend, where the next process's try
 * succeeds (a session's own locks never conflict with it). So transaction pooling is refused at
 * start-up rather than supported.
 *
 * The test: two connections opened at once. Directly, or through a session-mode pooler, each
 * keeps one backend for its life (pg_backend_pid() never changes) and two open at once never share
 * one. A transaction-mode pooler hands a backend back to its pool after each statement: the next
 * client to ask gets the same one (PgBouncer reuses the most recently released backend first), or
 * another one (a pooler that reuses the oldest first; the second statement in a row on one
 * connection then lands on another backend). The order a, b, a, a, b, b sees both within its first
 * four statements whatever the pool's size. A direct connection can never show either, so the
 * test has no false positive; it costs two connections and six one-row statements once per start.
 */

/** Thrown when DATABASE_URL goes through a pooler in transaction or statement mode. */
export class TransactionPoolerRefused extends Error {
  constructor(seen: string) {
    super(`DATABASE_URL goes through a connection pooler in transaction (or statement) mode: ${seen}. Signet keeps prepared statements, its timeouts and the single-process lock in each connection's session, which such a pooler shares between clients, so signed requests would fail and the lock would not hold. Set pool_mode = session for this database in the pooler (PgBouncer), or connect to PostgreSQL directly. Nothing was changed`);
    this.name = 'TransactionPoolerRefused';
  }
}

/** Thrown when the search_path DATABASE_URL's `options` set is not the one its connections use. */
export class SearchPathNotApplied extends Error {
  constructor(asked: string, used: string) {
    super(`DATABASE_URL's options set search_path=${asked}, but its connections have search_path = ${used}: something between Signet and PostgreSQL dropped the options (PgBouncer does with ignore_startup_parameters = options), and Signet would read and write another schema. Set the schema on the role instead (ALTER ROLE <user> SET search_path = ${asked}), or connect to PostgreSQL directly. Nothing was changed`);
    this.name = 'SearchPathNotApplied';
  }
}

/** The statements' order on the two connections (see the module's comment). */
const ORDER = [0, 1, 0, 0, 1, 1] as const;

/** Connect and statement timeouts: those of the single-process lock, so a check gives up as the lock does. */
export interface SessionCheckOptions {
  readonly connectTimeoutMs?: number;
  readonly queryTimeoutMs?: number;
}

/**
 * Refuses DATABASE_URL when it goes through a transaction-mode pooler ({@link TransactionPoolerRefused})
 * or when the search_path its `options` set does not reach PostgreSQL ({@link SearchPathNotApplied}).
 * Connection failures are thrown as they are (the caller names DATABASE_URL).
 */
export async function checkSessions(url: string, options: SessionCheckOptions = {}): Promise<void> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const clients = [0, 1].map(() => new Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs, query_timeout: options.queryTimeoutMs ?? 10_000 }));
  for (const client of clients) client.on('error', () => undefined); // a failure surfaces in the statement that meets it
  try {
    await Promise.all(clients.map((client) => connectWithin(client, connectTimeoutMs)));
    // What the pool's connections do first (pg-driver.ts): a proxy that pins a session on SET (AWS
    // RDS Proxy) then gives each its own backend, as it will the pool's; PgBouncer in transaction
    // mode pins nothing and is still seen.
    await Promise.all(clients.map((client) => client.query(`SET statement_timeout = ${connectTimeoutMs}`)));
    const [first] = (await clients[0].query<{ search_path: string }>("SELECT current_setting('search_path') AS search_path")).rows;
    const asked = searchPathInOptions(new URL(url).searchParams.get('options'));
    if (asked !== undefined && !sameSearchPath(asked, first.search_path)) throw new SearchPathNotApplied(asked, first.search_path);
    const pids: number[][] = [[], []];
    for (const which of ORDER) {
      const [row] = (await clients[which].query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
      pids[which].push(row.pid);
      const [a, b] = pids.map((seen) => new Set(seen));
      if (a.size > 1 || b.size > 1) throw new TransactionPoolerRefused(`one connection's PostgreSQL backend changed between two of its statements (backend pids ${pids[0].join(', ')} / ${pids[1].join(', ')})`);
      if ([...a].some((pid) => b.has(pid))) throw new TransactionPoolerRefused(`two connections open at once were served by the same PostgreSQL backend (pid ${row.pid})`);
    }
  } finally {
    await Promise.all(clients.map((client) => endPgClient(client).catch(() => undefined)));
  }
}

/** A search_path as a list of its entries, for comparison ("a,b" and "a, b" are the same). */
const entries = (searchPath: string): string => searchPath.split(',').map((entry) => entry.trim()).join(',');
const sameSearchPath = (a: string, b: string): boolean => entries(a) === entries(b);

/**
 * The search_path a libpq `options` value sets (`-c search_path=x`, `-csearch_path=x` or
 * `--search_path=x`; words split at spaces a backslash does not escape), the last one winning;
 * undefined when it sets none.
 */
export function searchPathInOptions(options: string | null): string | undefined {
  if (!options) return undefined;
  const words: string[] = [];
  let word = '';
  let escaped = false;
  for (const char of options) {
    if (escaped) {
      word += char;
      escaped = false;
    } else if (char === '\\') {
      escaped = true;
    } else if (/\s/.test(char)) {
      if (word) words.push(word);
      word = '';
    } else {
      word += char;
    }
  }
  if (word) words.push(word);
  let searchPath: string | undefined;
  for (let i = 0; i < words.length; i += 1) {
    const setting = words[i] === '-c' ? words[++i] : words[i].startsWith('-c') ? words[i].slice(2) : words[i].startsWith('--') ? words[i].slice(2) : undefined;
    const equals = setting?.indexOf('=') ?? -1;
    if (setting === undefined || equals < 0) continue;
    if (setting.slice(0, equals).toLowerCase().replaceAll('-', '_') === 'search_path') searchPath = setting.slice(equals + 1);
  }
  return searchPath;
}
