import { ASSET_CODES, isAssetCode } from './assets';
import { isUserError, parsePositiveAmount } from './amounts';
import { canonicalUuid } from './ids';
import { depositJournal } from './ledger';
import type { Clock, IdGenerator, UnitOfWork } from './ports';
import { transact } from './transactions';
import type { Account, Balance } from './types';
import { RollbackWithUserErrors, UserErrorCode, fail, userError, type DomainResult } from './user-errors';

/** Account names: short, printable, unambiguous in logs. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;

/** Opens accounts, funds them from the external system, and reads balances. */
export interface AccountService {
  createAccount(name: string): Promise<DomainResult<Account>>;
  /** Operator funding from an external system; recorded in the ledger like every movement. */
  deposit(accountId: string, asset: string, amount: string): Promise<DomainResult<Balance>>;
  findAccount(id: string): Promise<Account | null>;
  findAccountByName(name: string): Promise<Account | null>;
  listBalances(accountId: string): Promise<Balance[]>;
}

/** Creates the account service. */
export function createAccountService(deps: { uow: UnitOfWork; clock: Clock; newId: IdGenerator }): AccountService {
  const { uow, clock, newId } = deps;
  return {
    async createAccount(name) {
      if (!NAME_PATTERN.test(name)) return fail(userError(UserErrorCode.INVALID_NAME, 'Names are 1-64 letters, digits, spaces, "_", "." or "-", starting with a letter or digit.', ['name']));
      if (await uow.repo.findAccountByName(name)) return fail(userError(UserErrorCode.ACCOUNT_NAME_TAKEN, `An account named "${name}" already exists.`, ['name']));
      const account: Account = { id: newId(), name, createdAt: clock() };
      return transact(uow, async (repo) => {
        // The unique index decides races between two creators of the same name.
        if (!(await repo.insertAccount(account))) throw new RollbackWithUserErrors([userError(UserErrorCode.ACCOUNT_NAME_TAKEN, `An account named "${name}" already exists.`, ['name'])]);
        return account;
      });
    },

    async deposit(accountIdText, asset, amountText) {
      if (!isAssetCode(asset)) return fail(userError(UserErrorCode.UNKNOWN_ASSET, `Unknown asset; expected one of ${ASSET_CODES.join(', ')}.`, ['asset']));
      const amount = parsePositiveAmount(amountText, asset, ['amount']);
      if (isUserError(amount)) return fail(amount);
      const accountId = canonicalUuid(accountIdText);
      if (accountId === null || !(await uow.repo.findAccount(accountId))) return fail(userError(UserErrorCode.ACCOUNT_NOT_FOUND, 'No such account.', ['accountId']));
      return transact(uow, async (repo) => {
        if (!(await repo.postJournal(depositJournal(newId(), accountId, asset, amount, clock())))) throw new Error('deposit could not be posted');
        return (await repo.listBalances(accountId)).find((b) => b.asset === asset) as Balance;
      });
    },

    async findAccount(idText) {
      const id = canonicalUuid(idText);
      return id === null ? null : uow.repo.findAccount(id);
    },
    findAccountByName: (name) => uow.repo.findAccountByName(name),
    async listBalances(accountIdText) {
      const accountId = canonicalUuid(accountIdText);
      return accountId === null ? [] : uow.repo.listBalances(accountId);
    },
  };
}
