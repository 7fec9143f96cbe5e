/**
 * The transaction-runner port: how the executor commits an idempotency record in the same
 * database transaction as the effect it guards. The host implements it over its own unit of
 * work or connection pool; the core never sees a database.
 */

/** What the work of a transaction can ask about it. */
export interface TransactionState {
  /**
   * True once a transaction nested in this one (a service call inside the effect) failed and
   * its writes could not be undone alone: the transaction may never commit, the work must end
   * by throwing. A host whose nested transactions are savepoints, or that has none, answers false.
   */
  readonly rollbackOnly: boolean;
}

/** Runs work in one database transaction. */
export interface TransactionRunner {
  /**
   * Runs `work` between BEGIN and COMMIT, and rolls back when it throws (rejecting with its
   * error, the same value: any other rejection, such as a failed connect, BEGIN or COMMIT, is the
   * runner's own, which the executor answers with `errors.transactionFailed`, by default
   * `unavailable()`, never showing the driver's message). The record store's `save` and the effect (including any transaction the host's
   * code opens inside it) must join this transaction, so they commit or roll back together.
   * Nested transactions should join it flat, with no savepoint: the executor runs one effect
   * per transaction and never goes on after a nested failure (see {@link TransactionState}).
   */
  runInTransaction<T>(work: (tx: TransactionState) => Promise<T>): Promise<T>;
}
