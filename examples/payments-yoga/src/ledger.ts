/**
 * The toy domain of the payments example: whole-unit balances in memory and the payments
 * between them. It counts executed payments, so a test can see that twenty duplicate
 * `sendPayment` calls moved the money once.
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

/** Balances by account and the payments made. Accounts are created with their opening balance. */
export class Ledger {
  readonly #balances = new Map<string, number>();
  readonly #payments: Payment[] = [];

  constructor(openingBalances: Readonly<Record<string, number>>) {
    for (const [account, balance] of Object.entries(openingBalances)) {
      if (!Number.isSafeInteger(balance) || balance < 0) throw new RangeError(`opening balance of ${account} must be a non-negative integer`);
      this.#balances.set(account, balance);
    }
  }

  /** How many payments were executed. */
  get executions(): number {
    return this.#payments.length;
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
    this.#balances.set(from, fromBalance - amount);
    this.#balances.set(to, toBalance + amount);
    const payment: Payment = { id: String(this.#payments.length + 1), from, to, amount };
    this.#payments.push(payment);
    return payment;
  }
}
