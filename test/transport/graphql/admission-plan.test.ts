/**
 * The admission plan: which checks a signed operation's root fields add to its one admission
 * call, computed before execution exactly as the directive wrappers would compute them.
 */
import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import type { GraphQLContext } from '../../../src/transport/graphql/context';
import { planRootFields } from '../../../src/transport/admission';
import { admissionPlugin } from '../../../src/transport/graphql/admission-plugin';
import { buildSignetSchema } from '../../../src/transport/graphql/build-schema';
import { emptyExchange } from '../../../src/transport/graphql/context';
import { idempotentCallIdentity } from '@signet/directive-idempotent';
import { createMemoryIdempotencyStore, fingerprintArguments, idempotencyScopeKey } from '@signet/idempotency';
import { createMetrics } from '../../../src/metrics';
import { silentLogger } from '../../helpers/logger';
import type { DirectiveDeps } from '../../../src/directives';
import { ALL_SCOPES, type Principal } from '../../../src/domain';

const schema = buildSignetSchema();
const principal: Principal = { accountId: 'acct-1', keyId: 'key-1', scopes: ALL_SCOPES };
const deps = { rateLimitOverrides: {} } as unknown as DirectiveDeps;

function plan(source: string, variables: Record<string, unknown> = {}, options: { headers?: Record<string, string>; who?: Principal } = {}) {
  const document = parse(source);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  return planRootFields({ view: { schema, operation, fragments, variableValues: variables }, http: emptyExchange('127.0.0.1', options.headers ?? {}), principal: options.who ?? principal, deps });
}

const ORDER = '{ market: "BTC-USD", side: BUY, price: "100", quantity: "0.01" }';

describe('planning a signed operation', () => {
  test('each keyed placeOrder alias gets its field limit, then a lease that depends on it', () => {
    const { checks, fields } = plan(`mutation { a: placeOrder(input: ${ORDER}) @idempotent(key: "k-a") { order { id } } b: placeOrder(input: ${ORDER}) @idempotent(key: "k-b") { order { id } } }`);
    expect(checks.map((c) => c.kind)).toEqual(['limit', 'lease', 'limit', 'lease']);
    expect(checks[0]).toMatchObject({ key: 'field:Mutation.placeOrder:60000:account:{acct-1}', rule: { max: 120, windowMs: 60_000 }, gate: false });
    expect(checks[1]).toMatchObject({ kind: 'lease', scopeKey: idempotencyScopeKey({ scope: 'acct-1', field: 'placeOrder', key: 'k-a' }), after: 0 });
    expect(checks[3]).toMatchObject({ scopeKey: idempotencyScopeKey({ scope: 'acct-1', field: 'placeOrder', key: 'k-b' }), after: 2 });
    expect(fields.map((f) => f.responseKey)).toEqual(['a', 'b']);
  });

  test('the fingerprint is the one the @idempotent wrapper computes from the coerced arguments', () => {
    const { checks } = plan('mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }', {
      i: { market: 'BTC-USD', side: 'BUY', type: 'LIMIT', price: '100', quantity: '0.01' },
    }, { headers: { 'idempotency-key': '"header-key"' } });
    const lease = checks.find((c) => c.kind === 'lease');
    expect(lease).toMatchObject({ scopeKey: idempotencyScopeKey({ scope: 'acct-1', field: 'placeOrder', key: 'header-key' }) });
    // The wrapper gets the coerced arguments, defaults filled in, and leaves the defaults out of the fingerprint.
    const coerced = { input: { market: 'BTC-USD', side: 'BUY', type: 'LIMIT', price: '100', quantity: '0.01', timeInForce: 'GTC', postOnly: false, selfTradePrevention: 'CANCEL_NEWEST' } };
    const wrapper = idempotentCallIdentity({ scope: 'acct-1', field: 'placeOrder', key: 'header-key', args: coerced, argumentDefinitions: schema.getMutationType()!.getFields().placeOrder.args });
    expect(lease && lease.kind === 'lease' && lease.fingerprint).toBe(wrapper.fingerprint);
    expect(wrapper.fingerprint).toBe(fingerprintArguments({ input: { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01' } }));
  });

  test('fields the caller cannot run spend nothing: a missing scope, an invalid key, no key at all', () => {
    const readOnly: Principal = { ...principal, scopes: ['READ'] };
    expect(plan(`mutation { placeOrder(input: ${ORDER}) @idempotent(key: "k") { order { id } } }`, {}, { who: readOnly }).checks).toEqual([]);
    expect(plan(`mutation { placeOrder(input: ${ORDER}) @idempotent(key: " padded key ") { order { id } } }`).checks.map((c) => c.kind)).toEqual(['limit']);
    expect(plan(`mutation { placeOrder(input: ${ORDER}) { order { id } } }`).checks.map((c) => c.kind)).toEqual(['limit']);
  });

  test('exits only: every root field an exit the key may run (cancels, revocations; __typename beside them), nothing else', () => {
    const ID = '"00000000-0000-4000-8000-000000000001"';
    expect(plan(`mutation { cancelOrder(id: ${ID}) { order { id } } }`).exitsOnly).toBe(true);
    expect(plan(`mutation { __typename a: cancelAllOrders { orders { id } } b: revokeApiKey(id: "key_1") { apiKey { id } } }`).exitsOnly).toBe(true);
    // Nothing but __typename runs no exit: the account's budget counts it (a key could send these unbounded otherwise).
    expect(plan('mutation { __typename }').exitsOnly).toBe(false);
    expect(plan(`mutation { cancelOrder(id: ${ID}) { order { id } } placeOrder(input: ${ORDER}) { order { id } } }`).exitsOnly).toBe(false);
    expect(plan(`mutation { cancelOrder(id: ${ID}) { order { id } } }`, {}, { who: { ...principal, scopes: ['READ'] } }).exitsOnly).toBe(false);
    expect(plan('{ serverTime }').exitsOnly).toBe(false);
  });

  test('queries: limited root fields follow fragments and @skip, and unlimited ones add nothing', () => {
    const { checks, fields } = plan('query($s: Boolean!) { ...F serverTime @skip(if: $s) __typename } fragment F on Query { me { id } }', { s: true });
    expect(fields.map((f) => f.responseKey)).toEqual(['me']);
    expect(checks).toEqual([{ kind: 'limit', key: 'field:Query.me:60000:account:{acct-1}', rule: expect.objectContaining({ max: 600 }), gate: false }]);
  });
});

describe('the admission plugin after the response', () => {
  test('releases an acquired lease its field never took, and leaves a used one alone', async () => {
    const idempotency = createMemoryIdempotencyStore();
    const unused = await idempotency.claim('scope-unused', 'fp', 10_000);
    const used = await idempotency.claim('scope-used', 'fp', 10_000);
    const plugin = admissionPlugin({ idempotency, logger: silentLogger, metrics: createMetrics() } as unknown as DirectiveDeps, { maxCost: 5000 });
    const contextValue = {
      requestId: 'r1',
      admitted: new Map([
        ['a', { lease: { scopeKey: 'scope-unused', fingerprint: 'fp', claim: unused, taken: false } }],
        ['b', { lease: { scopeKey: 'scope-used', fingerprint: 'fp', claim: used, taken: true } }],
      ]),
    } as unknown as GraphQLContext;
    const listener = await plugin.requestDidStart!({ contextValue } as never);
    await listener!.willSendResponse!({ contextValue } as never);
    await expect(idempotency.claim('scope-unused', 'fp', 10_000)).resolves.toMatchObject({ kind: 'acquired' });
    await expect(idempotency.claim('scope-used', 'fp', 10_000)).resolves.toMatchObject({ kind: 'in_progress' });
  });
});
