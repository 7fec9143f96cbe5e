/**
 * A task run after COMMIT (TransactionScope.afterCommit) that fails rejects its `transaction()`
 * call although the transaction committed. The unit of work marks such an error with the
 * transaction's result, so that a caller which must not read it as a rollback can tell: the
 * idempotency runner answers the committed outcome (and caches it) instead of "nothing ran".
 * The error itself is passed on unchanged (its class still decides the client's answer elsewhere).
 */
const committedResults = new WeakMap<object, { readonly result: unknown }>();

/**
 * Marks `error`, thrown by a task after the commit of a transaction that returned `result`.
 * Returns the error to throw: `error` itself, or an Error wrapping a thrown non-object.
 */
export function markCommitted(error: unknown, result: unknown): Error {
  const thrown = error instanceof Error ? error : new Error(`a task after the commit failed: ${String(error)}`, { cause: error });
  committedResults.set(thrown, { result });
  return thrown;
}

/** The committed transaction's result if `error` came from a task after its commit; undefined otherwise. */
export function committedResultOf(error: unknown): { readonly result: unknown } | undefined {
  return typeof error === 'object' && error !== null ? committedResults.get(error) : undefined;
}
