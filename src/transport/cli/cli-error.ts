import { UserErrorCode } from '../../domain';

/** A CLI failure with a message for the user and an exit code; no stack trace. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/**
 * Refusals of a value as given (its form, not the state of the database or the market): bad
 * arguments, like the CLI's own checks. `BAD_USER_INPUT` is GraphQL's refusal of an argument.
 */
const ARGUMENT_ERRORS: ReadonlySet<string> = new Set<string>([
  UserErrorCode.INVALID_AMOUNT, UserErrorCode.INVALID_NAME, UserErrorCode.INVALID_LABEL, UserErrorCode.INVALID_SCOPES,
  UserErrorCode.INVALID_PRICE, UserErrorCode.INVALID_QUANTITY, UserErrorCode.INVALID_MEMO, UserErrorCode.INVALID_PUBLIC_KEY, UserErrorCode.INVALID_ORDER_OPTIONS,
  'BAD_USER_INPUT',
]);

/** The exit code of a refusal with these error codes: 2 when every one refuses an argument's form, else 1. */
export function exitCodeFor(codes: readonly string[]): 1 | 2 {
  return codes.length > 0 && codes.every((code) => ARGUMENT_ERRORS.has(code)) ? 2 : 1;
}
