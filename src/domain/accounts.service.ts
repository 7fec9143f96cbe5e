import { ASSET_CODES, isAssetCode } from './assets';
import { isUserError, parsePositiveAmount } from './amounts';
import { Dec } from './decimal';
import { MAX_DEPOSIT_REFERENCE_LENGTH, isDepositReference } from './deposit-reference';
import { canonicalUuid } from './ids';
import { depositJournal } from './ledger';
import type { Clock, IdGenerator, UnitOfWork } from './ports';
import { transact } from './transactions';
import type { Account, Balance, Deposit } from './types';
import { RollbackWithUserErrors, UserErrorCode, fail, userError, type DomainResult } from './user-errors';

/** Account names: short, printable, unambiguous in logs. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;

/** What a deposit did: posted now, or `replayed` (its reference was posted before, and that deposit is the answer). */
export interface DepositOutcome {
  readonly deposit: Deposit;
  /** True when nothing was posted: a deposit with this reference (and the same account, asset and amount) already was. */
  readonly replayed: boolean;
  /** The account's balance in the deposit's asset, after it. */
  readonly balance: Balance;
}

/** What a deposit may carry besides its account, asset and amount. */
export interface DepositOptions {
  /**
   * The external system's id of this funding (deposit-reference.ts). A deposit is posted once per
   * reference: the same deposit again returns the original (`replayed`), and another deposit with
   * the reference is refused (DEPOSIT_REFERENCE_MISMATCH). Without one, every call posts.
   */
  readonly reference?: string | null;
}

/** Opens accounts, funds them from the external system, and reads balances. */
export interface AccountService {
  createAccount(name: string): Promise<DomainResult<Account>>;
  /** Operator funding from an external system; recorded in the ledger like every movement. */
  deposit(accountId: string, asset: string, amount: string, options?: DepositOptions): Promise<DomainResult<DepositOutcome>>;
  /** The deposit recorded with this reference (what a deposit whose answer was lost did), or null. */
  findDeposit(reference: string): Promise<Deposit | null>;
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

    async deposit(accountIdText, asset, amountText, options = {}) {
      const reference = options.reference ?? null;
      if (reference !== null && !isDepositReference(reference)) {
        return fail(userError(UserErrorCode.INVALID_REFERENCE, `A reference is 1-${MAX_DEPOSIT_REFERENCE_LENGTH} ASCII letters, digits, "-", "_", ".", ":" or "/", starting with a letter or digit.`, ['reference']));
      }
      if (!isAssetCode(asset)) return fail(userError(UserErrorCode.UNKNOWN_ASSET, `Unknown asset; expected one of ${ASSET_CODES.join(', ')}.`, ['asset']));
      const amount = parsePositiveAmount(amountText, asset, ['amount']);
      if (isUserError(amount)) return fail(amount);
      const accountId = canonicalUuid(accountIdText);
      if (accountId === null || !(await uow.repo.findAccount(accountId))) return fail(userError(UserErrorCode.ACCOUNT_NOT_FOUND, 'No such account.', ['accountId']));
      return transact(uow, async (repo) => {
        const id = newId();
        const at = clock();
        const asked: Deposit = { journalId: id, accountId, asset, amount: amount.toFixed(), reference, createdAt: at };
        const { posted, deposit } = await repo.recordDeposit(asked, depositJournal(id, accountId, asset, amount, at));
        if (!posted && !sameFunding(deposit, asked)) {
          throw new RollbackWithUserErrors([userError(
            UserErrorCode.DEPOSIT_REFERENCE_MISMATCH,
            `Reference "${reference}" was already posted as deposit ${deposit.journalId} at ${deposit.createdAt.toISOString()}: ${deposit.amount} ${deposit.asset} to account ${deposit.accountId}, not ${asked.amount} ${asked.asset} to account ${asked.accountId}. Nothing was posted.`,
            ['reference'],
          )]);
        }
        const balance = (await repo.listBalances(deposit.accountId)).find((b) => b.asset === deposit.asset) as Balance;
        return { deposit, replayed: !posted, balance };
      });
    },

    async findDeposit(reference) {
      return isDepositReference(reference) ? uow.repo.findDepositByReference(reference) : null;
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

/** Whether a deposit already posted is the one asked for again: the same account, asset and amount (compared as numbers: 1.50 is 1.5). */
function sameFunding(posted: Deposit, asked: Deposit): boolean {
  return posted.accountId === asked.accountId && posted.asset === asked.asset && new Dec(posted.amount).eq(asked.amount);
}
