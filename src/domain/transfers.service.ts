import { isAssetCode } from './assets';
import { isUserError, parsePositiveAmount } from './amounts';
import { canonicalUuid } from './ids';
import { transferJournal } from './ledger';
import type { Clock, IdGenerator, PageQuery, UnitOfWork } from './ports';
import { transact } from './transactions';
import { isPlainText } from './text';
import type { Page, Transfer } from './types';
import { RollbackWithUserErrors, UserErrorCode, fail, userError, type DomainResult } from './user-errors';

/** Longest memo, in characters (code points; the GraphQL input checks the same way: isPlainText). */
export const MAX_MEMO_LENGTH = 140;

/** What a client asks for when moving funds. */
export interface CreateTransferInput {
  readonly toAccountId: string;
  readonly asset: string;
  readonly amount: string;
  readonly memo?: string | null;
  /** The sender's own id for the transfer, unique per sending account: a second transfer with it is refused (DUPLICATE_CLIENT_TRANSFER_ID). */
  readonly clientTransferId?: string | null;
}

/** Moves available funds between accounts. Transfers are final: nothing reverses them. */
export interface TransferService {
  /** `apiKeyId`: the sender's key whose signed request makes it, recorded on the transfer (null: none). */
  createTransfer(fromAccountId: string, input: CreateTransferInput, apiKeyId?: string | null): Promise<DomainResult<Transfer>>;
  /** Sent and received, newest first. `sentByApiKeyId`: only those the account sent through that key; the caller has found it among the account's keys (ApiKeyService.findOwnedApiKey). */
  listTransfers(accountId: string, query: PageQuery & { sentByApiKeyId?: string }): Promise<Page<Transfer>>;
  /** The transfer when the account sent or received it; null otherwise (others' transfers are invisible). */
  findTransfer(accountId: string, transferId: string): Promise<Transfer | null>;
  /** The transfer the account sent with this clientTransferId; null otherwise (a receiver cannot look it up by the sender's id). */
  findTransferByClientTransferId(accountId: string, clientTransferId: string): Promise<Transfer | null>;
}

/** Creates the transfer service. */
export function createTransferService(deps: { uow: UnitOfWork; clock: Clock; newId: IdGenerator }): TransferService {
  const { uow, clock, newId } = deps;
  return {
    async createTransfer(fromAccountId, input, apiKeyId = null) {
      if (!isAssetCode(input.asset)) return fail(userError(UserErrorCode.UNKNOWN_ASSET, 'Unknown asset.', ['input', 'asset']));
      const asset = input.asset;
      const amount = parsePositiveAmount(input.amount, asset, ['input', 'amount']);
      if (isUserError(amount)) return fail(amount);
      const memo = input.memo ?? null;
      if (memo !== null && !isPlainText(memo, 0, MAX_MEMO_LENGTH)) {
        return fail(userError(UserErrorCode.INVALID_MEMO, `A memo is up to ${MAX_MEMO_LENGTH} characters with no control, invisible or bidirectional-formatting characters.`, ['input', 'memo']));
      }
      // Compared in canonical form: the same account written in upper case is still this account.
      const toAccountId = canonicalUuid(input.toAccountId);
      if (toAccountId !== null && toAccountId === canonicalUuid(fromAccountId)) return fail(userError(UserErrorCode.SELF_TRANSFER, 'Cannot transfer to the same account.', ['input', 'toAccountId']));
      const to = toAccountId === null ? null : await uow.repo.findAccount(toAccountId);
      if (!to) return fail(userError(UserErrorCode.ACCOUNT_NOT_FOUND, 'No such destination account.', ['input', 'toAccountId']));
      const now = clock();
      const transfer: Omit<Transfer, 'seq'> = {
        id: newId(), fromAccountId, toAccountId: to.id, asset, amount: amount.toFixed(), memo, clientTransferId: input.clientTransferId ?? null, apiKeyId, createdAt: now,
      };
      return transact(uow, async (repo) => {
        const recorded = await repo.recordTransfer(transfer, transferJournal(newId(), transfer.id, fromAccountId, to.id, asset, amount, now));
        if (recorded === 'duplicate') {
          // Read after the refused insert, under the sending account's lock: the transfer that holds the id has committed.
          const existing = await repo.findTransferByClientTransferId(fromAccountId, transfer.clientTransferId as string);
          throw new RollbackWithUserErrors([userError(
            UserErrorCode.DUPLICATE_CLIENT_TRANSFER_ID,
            `A transfer with this clientTransferId already exists: ${existing ? `transfer ${existing.id}` : 'one of this account\'s transfers'}.`,
            ['input', 'clientTransferId'],
          )]);
        }
        if (!recorded) throw new RollbackWithUserErrors([userError(UserErrorCode.INSUFFICIENT_FUNDS, `Insufficient available ${asset}.`, ['input', 'amount'])]);
        return recorded;
      });
    },

    listTransfers(accountId, query) {
      return uow.repo.listTransfers(accountId, query);
    },

    async findTransfer(accountId, transferId) {
      const id = canonicalUuid(transferId);
      const transfer = id === null ? null : await uow.repo.findTransfer(id);
      return transfer && (transfer.fromAccountId === accountId || transfer.toAccountId === accountId) ? transfer : null;
    },

    async findTransferByClientTransferId(accountId, clientTransferId) {
      const id = canonicalUuid(accountId);
      return id === null ? null : uow.repo.findTransferByClientTransferId(id, clientTransferId);
    },
  };
}
