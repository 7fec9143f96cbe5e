import type { TradingRepository, TransactionScope, UnitOfWork } from './ports';
import { RollbackWithUserErrors, fail, ok, type DomainResult } from './user-errors';

/**
 * Runs `work` in a transaction and turns a RollbackWithUserErrors into a failed result
 * (the transaction, or its savepoint when nested, is rolled back first; nested in a transaction
 * that joins nested calls flat, the whole enclosing transaction is left rollback-only instead).
 */
export async function transact<T>(uow: UnitOfWork, work: (repo: TradingRepository, scope: TransactionScope) => Promise<T>): Promise<DomainResult<T>> {
  try {
    return ok(await uow.transaction(work));
  } catch (error) {
    if (error instanceof RollbackWithUserErrors) return fail(...error.errors);
    throw error;
  }
}
