import type { RateLimitHeaderEntry, RateLimitRule } from '@signet/rate-limit';
import type { AdmissionCheck, AdmissionOutcome } from './admission-store';

/** What the operation tells the admission about itself. */
export interface AdmitOptions {
  /**
   * Leave the account's request budget out (neither refused nor counted): an operation of exits
   * only. It spends its key's exit budget instead, and its nonce answers to the key's exit floor.
   */
  readonly exemptFromAccountLimit?: boolean;
  /**
   * The request never resolved an operation (parse or validation error, CSRF, a GET mutation; its
   * gates run before its answer is sent): nobody classified its bytes, so its nonce answers to no floor,
   * and a refusal by the account limit raises both of its key's floors (its bytes are then dead
   * whichever class another release would make of them).
   */
  readonly unclassified?: boolean;
}

/**
 * The admission of one verified request: its gates (nonce, address limit, failed-signature
 * guard, account limit) and the checks of its root fields, in one store call.
 */
export interface RequestAdmission {
  /**
   * Runs the gates, then `fieldChecks` (a lease's `after` indexes into `fieldChecks`). Resolves
   * the outcomes of `fieldChecks`; rejects with a RequestRefusedError (401 NONCE_REUSED, 429,
   * 503) when a gate refused or the store failed, and then nothing of the request may run.
   * Runs once: a second call rejects.
   */
  admit(fieldChecks: readonly AdmissionCheck[], options?: AdmitOptions): Promise<AdmissionOutcome[]>;
  /** Whether `admit` has been called. */
  readonly settled: boolean;
  /** Whether `admit` spent one request of the address's budget (false when a gate before it refused). */
  readonly addressCounted: boolean;
  /**
   * The request layers' decisions `admit` took (per address, per account; those a gate before
   * them skipped are absent), named as configured, for the RateLimit headers. Set whether `admit`
   * resolved or refused; empty before it ran.
   */
  readonly rateLimits: readonly RateLimitHeaderEntry[];
  /**
   * The account's request budget (its counter and rule), which an operation of exits is not
   * counted on (`exemptFromAccountLimit`): a replay of one behind a spent field limit spends it
   * (`AdmittedField.replayCharge`).
   */
  readonly accountLimit: { readonly key: string; readonly rule: RateLimitRule };
}
