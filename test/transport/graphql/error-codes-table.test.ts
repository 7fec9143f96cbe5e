import { ErrorCode, ERROR_CODES, SignetError, isRetryable, refusalStatus } from '../../../src/errors';
import { REFUSAL_REASONS } from '../../../src/transport/http/refusal-reasons.table';
import { SIGNATURE_FAILURE_REASONS } from '@signet/http-message-signatures';

/** Every HTTP status a response carrying `code` can have, by the table's structured fields. */
function statusesOf(code: ErrorCode): number[] {
  const spec = ERROR_CODES[code];
  return [...(spec.field ? [200] : []), ...(spec.status === null ? [] : [spec.status]), ...spec.otherStatuses].sort();
}

describe('the GraphQL error table', () => {
  test.each(Object.values(ErrorCode))('ERRORS.md\'s HTTP column for %s names exactly the statuses the server uses', (code) => {
    const documented = [...ERROR_CODES[code].http.matchAll(/\d{3}/g)].map((m) => Number(m[0])).sort();
    expect(documented).toEqual(statusesOf(code));
  });

  test.each(Object.values(ErrorCode))('an error with code %s carries the table\'s retryable', (code) => {
    expect(new SignetError(code, 'message').extensions.retryable).toBe(ERROR_CODES[code].retryable);
  });

  test('a code Signet does not define is not retryable', () => {
    expect(isRetryable('SOMETHING_ELSE')).toBe(false);
    expect(isRetryable('toString')).toBe(false);
  });

  test('a code that only nulls a field has no whole-request status', () => {
    expect(() => refusalStatus(ErrorCode.FORBIDDEN)).toThrow('FORBIDDEN is a field error');
    expect(refusalStatus(ErrorCode.RATE_LIMITED)).toBe(429);
  });
});

describe('the refusal reason table', () => {
  test.each([...SIGNATURE_FAILURE_REASONS])('the signature rejection %s is UNAUTHENTICATED with HTTP 401, as ERRORS.md\'s heading says', (reason) => {
    expect(REFUSAL_REASONS[reason].code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(refusalStatus(REFUSAL_REASONS[reason].code)).toBe(401);
  });
});
