/**
 * The toy domain of the payments example: whole-unit balances in memory and the payments
 * between them. Each change tells `journal` how to undo it, so a transaction that fails takes
 * its payment back (see `createMemoryTransactionRunner` of `@signet/idempotency`); a test counts
 * the payments to see that twenty duplicate `sendPayment` calls moved the money once.
 */

/** One executed payment. */
export interface Payment {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  /** Whole units, positive. */
  readonly amount: number;
}

/** Why a payment was refused; the resolver turns it into a GraphQL error. */
export class PaymentRefused extends Error {
  constructor(readonly code: 'INSUFFICIENT_FUNDS' | 'UNKNOWN_ACCOUNT' | 'INVALID_AMOUNT', message: string) {
    super(message);
    this.name = 'PaymentRefused';
  }
}

/** Registers how to undo a change just made, for the transaction it was made in (if any). */
export type Journal = (undo: () => void) => void;

/** Balances by account and the payments made. Accounts are created with their opening balance. */
export class Ledger {
  readonly #balances = new Map<string, number>();
  readonly #payments: Payment[] = [];
  /** Like a database sequence: an id taken by a rolled-back payment is not given again. */
  #lastId = 0;
  #transfers = 0;

  constructor(
    openingBalances: Readonly<Record<string, number>>,
    private readonly journal: Journal = () => undefined,
  ) {
    for (const [account, balance] of Object.entries(openingBalances)) {
      if (!Number.isSafeInteger(balance) || balance < 0) throw new RangeError(`opening balance of ${account} must be a non-negative integer`);
      this.#balances.set(account, balance);
    }
  }

  /** The payments made (and not rolled back), oldest first. */
  payments(): readonly Payment[] {
    return [...this.#payments];
  }

  /** How many times `send` moved money, rolled back or not. */
  get transfers(): number {
    return this.#transfers;
  }

  /** The balance of an account; null when there is no such account. */
  balance(account: string): number | null {
    return this.#balances.get(account) ?? null;
  }

  /** Moves `amount` from `from` to `to`, all or nothing. */
  send(from: string, to: string, amount: number): Payment {
    if (!Number.isSafeInteger(amount) || amount <= 0) throw new PaymentRefused('INVALID_AMOUNT', 'amount must be a positive whole number');
    const fromBalance = this.#balances.get(from);
    const toBalance = this.#balances.get(to);
    if (fromBalance === undefined || toBalance === undefined || from === to) throw new PaymentRefused('UNKNOWN_ACCOUNT', 'no such payee');
    if (fromBalance < amount) throw new PaymentRefused('INSUFFICIENT_FUNDS', 'the balance does not cover the amount');
    this.#lastId += 1;
    const payment: Payment = { id: String(this.#lastId), from, to, amount };
    this.#move(from, to, amount);
    this.#payments.push(payment);
    this.#transfers += 1;
    this.journal(() => {
      this.#move(to, from, amount);
      this.#payments.splice(this.#payments.indexOf(payment), 1);
    });
    return payment;
  }

  /** Moves money between two known accounts (checked by the caller). */
  #move(from: string, to: string, amount: number): void {
    this.#balances.set(from, this.#balances.get(from)! - amount);
    this.#balances.set(to, this.#balances.get(to)! + amount);
  }
}
