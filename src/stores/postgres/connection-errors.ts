/**
 * Failures to reach or use the database DATABASE_URL names, said as such: `pg` reports them in
 * PostgreSQL's words ("password authentication failed for user …", "database … does not exist",
 * "permission denied for schema public") or Node's (ECONNREFUSED), none of which names the
 * setting to fix. The URL itself is never repeated (it may carry a password).
 */

/** Node's codes for a server that cannot be reached. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * SQLSTATE classes of a database that will not take this connection or role: 08 connection
 * exception, 28 invalid authorization, 3D invalid catalog name (no such database), 3F invalid
 * schema name; and 42501, insufficient privilege (a role that may not create the schema's tables).
 */
const REFUSED_BY_POSTGRES = /^(?:08|28|3D|3F)|^42501$/;

/**
 * Whether `error` says the database could not be reached or would not take this connection or
 * role. Read by shape, not `instanceof Error`: Node's socket errors come from another realm under
 * a test runner's VM.
 */
function isConnectionFailure(error: unknown): error is { message: string } {
  if (typeof error !== 'object' || error === null || typeof (error as { message?: unknown }).message !== 'string') return false;
  const { code, message } = error as { code?: unknown; message: string };
  if (typeof code === 'string' && (UNREACHABLE.has(code) || REFUSED_BY_POSTGRES.test(code))) return true;
  // pg's own timeout of a connection attempt carries no code.
  return /^Connection terminated due to connection timeout$|timeout expired/i.test(message);
}

/**
 * pg's client-side timeout of a statement (`query_timeout`): connected, then no answer. At start-up
 * that is a server, or a pooler in front of it, that accepts and never answers, most often a
 * session pooler whose server connections are all taken.
 */
const NO_ANSWER = /^Query read timeout$/;

/** `error`, or for a connection failure an Error whose message starts with DATABASE_URL (the original is its cause). */
export function namingDatabaseUrl(error: unknown): unknown {
  if (typeof error === 'object' && error !== null && NO_ANSWER.test(String((error as { message?: unknown }).message))) {
    return new Error('DATABASE_URL: PostgreSQL could not be used: connected, but no answer in time (Query read timeout): is PostgreSQL, or a pooler in front of it, overloaded or out of server connections (a session-mode PgBouncer whose pool is all taken)?', { cause: error });
  }
  if (!isConnectionFailure(error)) return error;
  return new Error(`DATABASE_URL: PostgreSQL could not be used: ${error.message}`, { cause: error });
}
