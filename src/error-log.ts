/**
 * How an error appears in a log line: its class, message, code, stack and cause, nothing else.
 * pino's default `err` serializer copies every enumerable field, and a driver's errors carry what
 * it sent: ioredis's `command` (a script's whole Lua source, its keys and arguments: nonces, key
 * ids, client addresses), pg's `detail` and `where` (row values). None of that is logged.
 */

/** How deep a chain of causes (or an AggregateError's errors) is followed. */
const MAX_DEPTH = 3;
/** How many of an AggregateError's errors are kept. */
const MAX_ERRORS = 5;

/** A logged error: what an operator needs to tell one failure from another, and no data it carried. */
export interface LoggedError {
  readonly type: string;
  readonly message: string;
  readonly code?: string | number;
  readonly stack?: string;
  readonly cause?: unknown;
  readonly errors?: unknown[];
}

function serialize(value: unknown, depth: number): unknown {
  if (!(value instanceof Error)) return value;
  const code = (value as { code?: unknown }).code;
  const logged: { -readonly [K in keyof LoggedError]: LoggedError[K] } = { type: value.constructor?.name ?? value.name, message: value.message };
  if (typeof code === 'string' || typeof code === 'number') logged.code = code;
  if (value.stack !== undefined) logged.stack = value.stack;
  if (depth < MAX_DEPTH) {
    if (value.cause !== undefined) logged.cause = serialize(value.cause, depth + 1);
    if (value instanceof AggregateError) logged.errors = value.errors.slice(0, MAX_ERRORS).map((inner) => serialize(inner, depth + 1));
  }
  return logged;
}

/**
 * pino `err` serializer of every Signet logger (logger.ts; request-log.ts for the request logger,
 * create-signet-server.ts for a logger a caller built). Anything that is not an Error (the
 * `{ message }` objects some lines build by hand) is logged as it is.
 */
export function serializeErrorForLog(value: unknown): unknown {
  return serialize(value, 0);
}

/** The serializers a Signet logger needs on top of the caller's (a child logger's override its parent's). */
export const ERROR_SERIALIZERS = Object.freeze({ err: serializeErrorForLog });
