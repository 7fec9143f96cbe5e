/**
 * A task run after COMMIT (TransactionScope.afterCommit) that fails rejects its `transaction()`
 * call although the transaction committed. The unit of work rejects with an AfterCommitFailure:
 * a fresh error per transaction (never the task's own error object, which a shared in-flight
 * call could hand to several transactions) that carries the transaction's result, with the
 * task's error as its `cause` (so an infrastructure failure is still recognised as one). A caller
 * that must not read it as a rollback can tell: the idempotency runner answers the committed
 * outcome (and caches it) instead of "nothing ran".
 */
export class AfterCommitFailure extends Error {
  constructor(readonly committedResult: unknown, cause: unknown) {
    super(`the transaction committed, then a task after it failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'AfterCommitFailure';
  }
}

/** The committed transaction's result if `error` came from a task after its commit; undefined otherwise. */
export function committedResultOf(error: unknown): { readonly result: unknown } | undefined {
  return error instanceof AfterCommitFailure ? { result: error.committedResult } : undefined;
}
