/**
 * Recognises failures of the infrastructure (PostgreSQL, Redis, the network) among the errors a
 * resolver or hook throws, so they reach clients as SERVICE_UNAVAILABLE (retryable) instead of
 * INTERNAL_SERVER_ERROR. Duck-typed on `code`, `name` and message, because `pg`, `pg-pool` and
 * `ioredis` throw plain Errors, and wrappers (GraphQL, AggregateError, `cause`) hide them.
 */

/** Which dependency failed, and how: for the log line, never for the client. */
export interface InfrastructureFailure {
  readonly dependency: 'database' | 'redis' | 'network';
  readonly reason: string;
}

/**
 * PostgreSQL SQLSTATEs after which the transaction did not commit and the same request may
 * succeed later: 57014 statement timeout (or cancel), class 08 connection exceptions, 57P01-03
 * shutdown / not accepting connections, 53xxx out of resources (53300 too many connections),
 * 25P03 idle-in-transaction timeout, 40001 serialization failure, 40P01 deadlock victim.
 */
const RETRYABLE_SQLSTATE = /^(57014|08\d{3}|08P01|57P0[123]|53\d{3}|25P03|40001|40P01)$/;

/**
 * 26000 "prepared statement … does not exist" and 42P05 "prepared statement … already exists":
 * the connection's session is not the one its prepared statements were made on, which is what a
 * pooler in transaction mode does (start-up refuses one it can see, session-check.ts; one put in
 * front later still gets here). The statement did not run and its transaction rolled back, so the
 * request may be retried; the log line names the likely cause rather than an internal error.
 */
const PREPARED_STATEMENT_SQLSTATE = /^(26000|42P05)$/;
const POOLER_REASON = 'prepared statement missing or duplicated on this connection (sqlstate %s): a pooler in transaction mode between Signet and PostgreSQL? Use pool_mode = session or connect directly';

/** Socket errors: the peer is gone or unreachable. */
const SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
]);

/** `pg` and `pg-pool` messages for a lost or unobtainable connection (they carry no code). */
const PG_MESSAGES: readonly RegExp[] = [
  /^Connection terminated/, // unexpectedly, or due to connection timeout
  /^timeout exceeded when trying to connect$/, // pool connect timeout (connectionTimeoutMillis)
  /^Client has encountered a connection error and is not queryable$/,
  /^Query read timeout$/,
];

/** `ioredis` errors: a command that timed out, or a connection that is down (no offline queue). */
const REDIS_NAMES: ReadonlySet<string> = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);
const REDIS_MESSAGES: readonly RegExp[] = [
  /^Command timed out$/,
  /^Connection is closed\.?$/,
  /^Stream isn't writeable and enableOfflineQueue options is false$/,
  /^Reached the max retries per request limit/,
  /^Failed to refresh slots cache/,
  /^None of startup nodes is available$/,
  /^(LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN) /,
];

/** How deep to follow `cause` / `originalError` / AggregateError chains: wrappers nest a few levels, cycles must end. */
const MAX_DEPTH = 6;

/**
 * The infrastructure failure behind `error` (following `originalError`, `cause` and
 * AggregateError members), or null when it is something else: a bug, a business error, a
 * client error. Never throws, whatever it is given.
 */
export function classifyInfrastructureFailure(error: unknown, depth = 0): InfrastructureFailure | null {
  if (depth > MAX_DEPTH || typeof error !== 'object' || error === null) return null;
  const e = error as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (RETRYABLE_SQLSTATE.test(code)) return { dependency: 'database', reason: code === '57014' ? 'statement timeout' : `sqlstate ${code}` };
  if (PREPARED_STATEMENT_SQLSTATE.test(code)) return { dependency: 'database', reason: POOLER_REASON.replace('%s', code) };
  if (PG_MESSAGES.some((m) => m.test(message))) return { dependency: 'database', reason: message };
  if (REDIS_NAMES.has(name) || REDIS_MESSAGES.some((m) => m.test(message))) return { dependency: 'redis', reason: name === 'Error' || !name ? message : name };
  if (SOCKET_CODES.has(code)) return { dependency: 'network', reason: code };
  for (const inner of [e.originalError, e.cause, ...(Array.isArray(e.errors) ? e.errors : [])]) {
    const found = inner === error ? null : classifyInfrastructureFailure(inner, depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * Whether an error came from a store's driver: one {@link classifyInfrastructureFailure} knows, or
 * an error Redis or PostgreSQL answered (ioredis's `ReplyError`, pg's `DatabaseError`, e.g. a
 * Redis out of memory). Anything else (a TypeError, a check's own Error) is this server's.
 */
export function isStoreFailure(error: unknown): boolean {
  if (classifyInfrastructureFailure(error) !== null) return true;
  const type = typeof error === 'object' && error !== null ? (error as { constructor?: { name?: unknown } }).constructor?.name : undefined;
  return type === 'ReplyError' || type === 'DatabaseError';
}
