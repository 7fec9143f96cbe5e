/**
 * How a trading command judges the SDK's result of a keyed mutation: a refusal is "refused, nothing
 * changed" (exit 1) only when no attempt of the call may have run; after a lost answer, a retry the
 * server refused before running it (its field limit spent, say) leaves the outcome unknown (exit 3,
 * with the key to learn it): the command must never invite running it again without the key.
 */
import type { SignetResult } from '@signet/sdk';
import { CliError } from '../../../src/transport/cli/cli-error';
import { unwrapResult } from '../../../src/transport/cli/trade-client';

const refusedByLimit = (mayHaveRun: boolean): SignetResult<{ createTransfer: null }> => ({
  data: { createTransfer: null }, userErrors: [], replayed: false, mayHaveRun, status: 200, idempotencyKey: 'transfer-10', attempts: mayHaveRun ? 2 : 1,
  errors: [{ message: 'Rate limit exceeded for createTransfer; retry in 59 s.', path: ['createTransfer'], extensions: { code: 'RATE_LIMITED', retryable: true, retryAfter: 59 } }],
  headers: new Headers(), rateLimit: [],
});

function thrown(work: () => unknown): CliError {
  try {
    work();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected a CliError');
}

test('a retry refused by the field limit after an attempt that may have run: exit 3, outcome unknown, with the key', () => {
  const error = thrown(() => unwrapResult(refusedByLimit(true), { idempotencyKey: 'transfer-10' }));
  expect(error.exitCode).toBe(3);
  expect(error.toJSON().error).toMatchObject({ code: 'RATE_LIMITED', outcome: 'unknown', idempotencyKey: 'transfer-10' });
  expect(error.message).toContain('--idempotency-key transfer-10');
});

test('the same refusal of a call that cannot have run: exit 1, refused', () => {
  const error = thrown(() => unwrapResult(refusedByLimit(false), { idempotencyKey: 'transfer-10' }));
  expect(error.exitCode).toBe(1);
  expect(error.toJSON().error).toMatchObject({ code: 'RATE_LIMITED', outcome: 'refused', idempotencyKey: 'transfer-10' });
});

test('a field limit\'s refusal of a run with a given --idempotency-key: exit 3, since an earlier run with that key may have run', () => {
  const error = thrown(() => unwrapResult(refusedByLimit(false), { idempotencyKey: 'transfer-10', given: true }));
  expect(error.exitCode).toBe(3);
  expect(error.toJSON().error).toMatchObject({ code: 'RATE_LIMITED', outcome: 'unknown', idempotencyKey: 'transfer-10' });
});
