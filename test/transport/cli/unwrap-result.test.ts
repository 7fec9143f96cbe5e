/**
 * How a trading command judges the SDK's result of a keyed mutation: a refusal is "refused, nothing
 * changed" (exit 1) only when no attempt of the call may have run; after a lost answer, a retry the
 * server refused before running it (its field limit spent, say) leaves the outcome unknown (exit 3,
 * with the key to learn it): the command must never invite running it again without the key.
 * The codes that leave a mutation's outcome open exit 3 whatever else is known (exitCodeFor, which
 * `signet call` judges an answer by alone): the same key executing right now among them.
 */
import type { SignetResult } from '@signet/sdk';
import { refusalOf } from '../../../src/transport/cli/call-command';
import { CliError, exitCodeFor } from '../../../src/transport/cli/cli-error';
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

test.each([
  // [codes, exit for a mutation, exit for a read]
  [['INTERNAL_SERVER_ERROR'], 3, 1],
  [['SERVICE_UNAVAILABLE'], 3, 1],
  // An earlier attempt with the same key is still running: it may yet complete.
  [['IDEMPOTENCY_IN_PROGRESS'], 3, 1],
  [['INSUFFICIENT_FUNDS', 'IDEMPOTENCY_IN_PROGRESS'], 3, 1],
  [['INSUFFICIENT_FUNDS'], 1, 1],
  [['INVALID_AMOUNT', 'BAD_USER_INPUT'], 2, 2],
])('exitCodeFor(%j): %i for a mutation, %i for a read', (codes, mutation, read) => {
  expect(exitCodeFor(codes, { mutation: true })).toBe(mutation);
  expect(exitCodeFor(codes)).toBe(read);
});

test('signet call: a mutation answered IDEMPOTENCY_IN_PROGRESS with no payload exits 3, outcome unknown, never "nothing changed"', () => {
  const errors = [{ message: 'A createTransfer request with this idempotency key is in progress; retry in 2 s to get its outcome.', path: ['createTransfer'], extensions: { code: 'IDEMPOTENCY_IN_PROGRESS', retryAfter: 2 } }];
  // Its root field null, or no data at all: nothing in the answer shows whether the first attempt ran.
  for (const data of [{ createTransfer: null }, null]) {
    expect(refusalOf(200, JSON.stringify({ data, errors }), true, 'transfer-10')).toMatchObject({ exitCode: 3, details: { code: 'IDEMPOTENCY_IN_PROGRESS', outcome: 'unknown', idempotencyKey: 'transfer-10' } });
  }
});
