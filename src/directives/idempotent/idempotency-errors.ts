import { ErrorCode, SignetError } from '../../errors';

/**
 * Field errors of `@idempotent`. Each nulls only its field (HTTP 200): GraphQL responses are
 * partial, so the 409/422 statuses of Stripe and the IETF draft would mislabel the siblings.
 */

/** A mutation that requires a key got none; nothing ran. */
export class IdempotencyKeyRequiredError extends SignetError {
  constructor(field: string) {
    super(ErrorCode.IDEMPOTENCY_KEY_REQUIRED, `${field} requires an idempotency key: send an Idempotency-Key header or @idempotent(key: "…") on the field.`);
  }
}

/** The key was already used for this mutation with other arguments; nothing ran. */
export class IdempotencyKeyReusedError extends SignetError {
  constructor(field: string) {
    super(ErrorCode.IDEMPOTENCY_KEY_REUSED, `This idempotency key was already used for ${field} with different arguments; use a new key for a new operation.`);
  }
}

/** A request with the same key is executing right now; nothing ran. Retryable after `retryAfter` seconds. */
export class IdempotencyInProgressError extends SignetError {
  constructor(field: string, retryAfterSeconds: number) {
    super(ErrorCode.IDEMPOTENCY_IN_PROGRESS, `A ${field} request with this idempotency key is in progress; retry in ${retryAfterSeconds} s to get its outcome.`, { retryAfter: retryAfterSeconds });
  }
}

/** A replay whose recorded entity the database no longer has (restored from an older backup); nothing ran now. */
export class IdempotencyOutcomeLostError extends SignetError {
  constructor(field: string) {
    super(ErrorCode.IDEMPOTENCY_OUTCOME_LOST,
      `This idempotency key's ${field} names what the database no longer has (restored from a backup taken before it): it is not in effect, and nothing ran now. To do it again, use a new key.`);
  }
}
