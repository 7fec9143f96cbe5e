import type { GraphQLResolveInfo } from 'graphql';
import { createMemoryIdempotencyStore, type ClaimResult } from '@signet/idempotency';
import type { RateLimitDecision } from '@signet/rate-limit';
import type { AdmittedField } from '../../../src/directives/admitted-fields';
import type { DirectiveContext } from '../../../src/directives/directive-context';
import { admittedLeaseStore } from '../../../src/directives/idempotent/admitted-lease-store';

const refused: RateLimitDecision = { allowed: false, limit: 10, remaining: 0, resetMs: 5_000, retryAfterMs: 5_000 };
const allowed: RateLimitDecision = { allowed: true, limit: 10, remaining: 3, resetMs: 5_000, retryAfterMs: 0 };
const completed: ClaimResult = { kind: 'completed', outcome: '{"transfer":"t-1"}' };

/** The root field `createTransfer` of a request whose admission decided `field`. */
function rootField(field: AdmittedField): { context: DirectiveContext; info: GraphQLResolveInfo } {
  const context = { admitted: new Map([['createTransfer', field]]) } as unknown as DirectiveContext;
  const info = { path: { prev: undefined, key: 'createTransfer', typename: 'Mutation' } } as unknown as GraphQLResolveInfo;
  return { context, info };
}

describe('the store @idempotent claims with for an admitted root field', () => {
  test('a retry let past its spent limit gets the completed outcome the admission found: a replay', async () => {
    const shared = createMemoryIdempotencyStore();
    const { context, info } = rootField({ limit: { key: 'l', decision: refused }, lease: { scopeKey: 'a:createTransfer:k', fingerprint: 'fp', claim: completed, taken: false } });
    const store = admittedLeaseStore(shared, context, info);
    await expect(store.claim('a:createTransfer:k', 'fp', 10_000)).resolves.toEqual(completed);
    shared.close();
  });

  test('a call let past its spent limit never claims from the shared store, so it can never run past the limit', async () => {
    const shared = createMemoryIdempotencyStore();
    const claim = jest.spyOn(shared, 'claim');
    const { context, info } = rootField({ limit: { key: 'l', decision: refused }, lease: { scopeKey: 'a:createTransfer:k', fingerprint: 'fp', claim: completed, taken: false } });
    const store = admittedLeaseStore(shared, context, info);
    await expect(store.claim('a:createTransfer:k', 'other-fp', 10_000)).rejects.toThrow(/spent rate limit/);
    await expect(store.claim('a:createTransfer:k', 'fp', 10_000)).resolves.toEqual(completed);
    await expect(store.claim('a:createTransfer:k', 'fp', 10_000)).rejects.toThrow(/spent rate limit/);
    expect(claim).not.toHaveBeenCalled();
    shared.close();
  });

  test('a call its limit allowed claims anything other than its admitted lease from the shared store', async () => {
    const shared = createMemoryIdempotencyStore();
    const { context, info } = rootField({ limit: { key: 'l', decision: allowed }, lease: { scopeKey: 'a:createTransfer:k', fingerprint: 'fp', claim: completed, taken: false } });
    const store = admittedLeaseStore(shared, context, info);
    await expect(store.claim('a:createTransfer:k', 'other-fp', 10_000)).resolves.toMatchObject({ kind: 'acquired' });
    shared.close();
  });
});
