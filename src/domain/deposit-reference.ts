/** The longest deposit reference, in characters. */
export const MAX_DEPOSIT_REFERENCE_LENGTH = 128;

/**
 * A deposit reference: 1-128 ASCII letters, digits and `-`, `_`, `.`, `:`, `/`, starting with a
 * letter or digit (room for a wire's reference, a prefixed chain transaction hash, a ticket id).
 * ASCII only, no spaces: two references that look the same must be the same, or the second
 * deposit of one funding would be credited again. Compared exactly, case included (`ABC` and
 * `abc` are two references), as the external system's ids are.
 */
const REFERENCE_PATTERN = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,${MAX_DEPOSIT_REFERENCE_LENGTH - 1}}$`);

/** True when `text` is a well-formed deposit reference (see {@link REFERENCE_PATTERN}). */
export function isDepositReference(text: string): boolean {
  return REFERENCE_PATTERN.test(text);
}
