import { describeKeyState, describeSent } from '../../../src/transport/playground/browser/status-line';

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
});
