import { afterPasteProblem, describeKeyState, describeSent } from '../../../src/transport/playground/browser/status-line';

describe('the signing panel status line', () => {
  test('only a verified key reads "Signed as"; checking and refused keys say requests stay unsigned', () => {
    expect(describeKeyState({ kind: 'none' })).toMatch(/^Unsigned:/);
    expect(describeKeyState({ kind: 'checking', keyId: 'key_1' })).toBe('Checking key key_1 with one signed { me { id } }… Requests stay unsigned until the server verifies it.');
    expect(describeKeyState({ kind: 'refused', keyId: 'key_1', message: 'Refused (SIGNATURE_INVALID): …' })).toBe('Refused (SIGNATURE_INVALID): …');
    for (const state of [{ kind: 'none' }, { kind: 'checking', keyId: 'key_1' }, { kind: 'refused', keyId: 'key_1', message: 'no' }] as const) {
      expect(describeKeyState(state)).not.toMatch(/signed as/i);
    }
    expect(describeKeyState({ kind: 'signed', keyId: 'key_1', alg: 'ed25519', accountId: 'acc_1' })).toMatch(/^Signed as key_1 \(account acc_1; ed25519\)/);
  });

  test('a replay is shown as a replay of an earlier request, not a new execution', () => {
    expect(describeSent({ keyId: 'key_1', idempotencyKey: 'k-1', status: 200, replayed: true }))
      .toBe('Last request: signed as key_1 · Idempotency-Key k-1 · HTTP 200 · replay of an earlier request with this Idempotency-Key: the stored outcome, nothing ran again');
    expect(describeSent({ keyId: 'key_1', idempotencyKey: 'k-2', status: 200 })).toBe('Last request: signed as key_1 · Idempotency-Key k-2 · HTTP 200');
  });

  test('a refused request shows its code and reason; a failed one its problem', () => {
    expect(describeSent({ keyId: 'key_1', status: 401, refusal: { code: 'UNAUTHENTICATED', reason: 'SIGNATURE_INVALID' } })).toBe('Last request: signed as key_1 · HTTP 401 UNAUTHENTICATED (SIGNATURE_INVALID)');
    expect(describeSent({ status: 0, problem: 'Failed to fetch' })).toBe('Last request: unsigned · failed: Failed to fetch');
  });

  test('a 503 refusal shows its code, reason and when to retry, as a 4xx one does', () => {
    expect(describeSent({ keyId: 'key_1', status: 503, refusal: { code: 'SERVICE_UNAVAILABLE', reason: 'REPLAY_PROTECTION_RECOVERING', retryable: true, retryAfter: 5 } }))
      .toBe('Last request: signed as key_1 · HTTP 503 SERVICE_UNAVAILABLE (REPLAY_PROTECTION_RECOVERING) · retry in 5 s');
  });

  test('a check waiting to retry says why and when, and that requests stay unsigned', () => {
    const sent = { keyId: 'key_1', status: 503, refusal: { code: 'SERVICE_UNAVAILABLE', reason: 'REPLAY_PROTECTION_RECOVERING', retryable: true, retryAfter: 5 } };
    expect(describeKeyState({ kind: 'checking', keyId: 'key_1', retry: { attempt: 2, maxAttempts: 5, delayMs: 5000, sent } }))
      .toBe('Checking key key_1: the server answered HTTP 503 SERVICE_UNAVAILABLE (REPLAY_PROTECTION_RECOVERING); trying again in 5 s (attempt 2 of 5). Requests stay unsigned until the server verifies it.');
  });
});

describe('each key attempt replaces the last one\'s status', () => {
  test('a paste problem clears an earlier attempt\'s refusal, which named another key id', () => {
    expect(afterPasteProblem({ kind: 'refused', keyId: 'key_alice', message: 'Refused (SIGNATURE_INVALID): … key_alice …' })).toEqual({ kind: 'none' });
    expect(afterPasteProblem({ kind: 'checking', keyId: 'key_alice' })).toEqual({ kind: 'none' });
  });

  test('a key that still signs stays named: a bad paste does not unload it', () => {
    const signed = { kind: 'signed', keyId: 'key_alice', alg: 'ed25519', accountId: 'acc_1' } as const;
    expect(afterPasteProblem(signed)).toBe(signed);
  });
});
