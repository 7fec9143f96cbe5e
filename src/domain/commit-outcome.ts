/**
 * The connection to the database was lost while it committed a transaction: the transaction may
 * or may not have committed. A SQL driver throws it instead of the connection's error, so a
 * caller can tell "nothing ran" (any other failure: the transaction rolled back) from "it may
 * have run". The connection's error is the `cause`.
 */
export class CommitOutcomeUnknownError extends Error {
  constructor(cause: unknown) {
    super('the connection was lost during COMMIT: the transaction may have committed', { cause });
    this.name = 'CommitOutcomeUnknownError';
  }
}
