import { ActingKeyRevokedError, currentActingKey } from './acting-key';
import type { TradingRepository, TransactionScope, UnitOfWork } from './ports';
import { RollbackWithUserErrors, fail, ok, type DomainResult } from './user-errors';

/**
 * Runs `work` in a transaction and turns a RollbackWithUserErrors into a failed result
 * (the transaction, or its savepoint when nested, is rolled back first; nested in a transaction
 * that joins nested calls flat, the whole enclosing transaction is left rollback-only instead).
 * In a signed request the transaction first holds the request's key live (see acting-key.ts) and
 * throws ActingKeyRevokedError, having written nothing, when the key was revoked meanwhile.
 */
export async function transact<T>(uow: UnitOfWork, work: (repo: TradingRepository, scope: TransactionScope) => Promise<T>): Promise<DomainResult<T>> {
  const keyId = currentActingKey();
  try {
    return ok(await uow.transaction(async (repo, scope) => {
      if (keyId !== null && !(await repo.holdLiveApiKey(keyId))) throw new ActingKeyRevokedError();
      return work(repo, scope);
    }));
  } catch (error) {
    if (error instanceof RollbackWithUserErrors) return fail(...error.errors);
    throw error;
  }
}
