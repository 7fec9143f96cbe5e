import { idempotencyScopeKey, type IdempotencyStore } from '@signet/idempotency';
import { fundedAccount } from '../../helpers/domain';
import { principalFor } from '../../helpers/graphql';
import { PLACE, buy, codeOf, placeFingerprint, describeOn, useIdempotencyFixture, type IdempotencyBackend } from './fixture';

const TWO = (keyA: string, keyB: string) => `mutation($a: PlaceOrderInput!, $b: PlaceOrderInput!) {
  a: placeOrder(input: $a) @idempotent(key: "${keyA}") { order { id } }
  b: placeOrder(input: $b) @idempotent(key: "${keyB}") { order { id } }
}`;
const PLACE_NO_KEY = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }';

/** Where a key comes from, what it is scoped to, which keys are refused, and what a concurrent duplicate sees. */
export function defineKeySuite(backend: IdempotencyBackend): void {
  describeOn(backend, '@idempotent keys', () => {
    const fx = useIdempotencyFixture(backend);

    test('keys are scoped by account and by mutation: the same key never collides across them', async () => {
      const { run, ordersOf, services } = fx();
      const alice = await fundedAccount(services, { USD: '100' });
      const bob = await fundedAccount(services, { USD: '100' });
      const a = await run(PLACE, { input: buy(), key: 'shared' }, principalFor(alice));
      const b = await run(PLACE, { input: buy(), key: 'shared' }, principalFor(bob));
      expect([a, b].map((r) => r.extensions?.idempotentReplay)).toEqual([undefined, undefined]);
      expect(await ordersOf(alice)).toHaveLength(1);
      expect(await ordersOf(bob)).toHaveLength(1);
      const cancel = await run('mutation($id: ID!) { cancelOrder(id: $id) @idempotent(key: "shared") { order { status } } }', { id: a.data.placeOrder.order.id }, principalFor(alice));
      expect(cancel.errors).toBeUndefined();
      expect(cancel.data.cancelOrder.order.status).toBe('CANCELED');
    });

    test('two keyed mutations in one document run once each and replay together', async () => {
      const { run, ordersOf, services } = fx();
      const id = await fundedAccount(services, { USD: '100' });
      const vars = { a: buy('0.01'), b: buy('0.02') };
      const first = await run(TWO('k1', 'k2'), vars, principalFor(id));
      expect(first.errors).toBeUndefined();
      const retry = await run(TWO('k1', 'k2'), vars, principalFor(id));
      expect(retry.data).toEqual(first.data);
      expect(retry.extensions?.idempotentReplay).toEqual({ a: true, b: true });
      const mixed = await run(TWO('k1', 'k3'), vars, principalFor(id));
      expect(mixed.data.a).toEqual(first.data.a);
      expect(mixed.data.b.order.id).not.toBe(first.data.b.order.id);
      expect(mixed.extensions?.idempotentReplay).toEqual({ a: true });
      expect(await ordersOf(id)).toHaveLength(3);
    });

    test('one key used twice in a document is BAD_USER_INPUT on both fields and nothing runs', async () => {
      const { run, ordersOf, services } = fx();
      const id = await fundedAccount(services, { USD: '100' });
      const result = await run(TWO('dup', 'dup'), { a: buy('0.01'), b: buy('0.02') }, principalFor(id));
      expect(result.data).toEqual({ a: null, b: null });
      expect(result.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['a'], 'BAD_USER_INPUT'], [['b'], 'BAD_USER_INPUT']]);
      expect(await ordersOf(id)).toHaveLength(0);
    });

    test('the Idempotency-Key header keys a lone mutation, but with two keyed mutations it is BAD_USER_INPUT on each', async () => {
      const { run, ordersOf, services } = fx();
      const id = await fundedAccount(services, { USD: '100' });
      const headers = { 'idempotency-key': '"hdr-1"' };
      const first = await run(PLACE_NO_KEY, { input: buy() }, principalFor(id), headers);
      const bare = await run(PLACE_NO_KEY, { input: buy() }, principalFor(id), { 'idempotency-key': 'hdr-1' });
      expect(bare.data).toEqual(first.data);
      expect(bare.extensions?.idempotentReplay).toEqual({ placeOrder: true });
      const both = await run(TWO('x1', 'x2'), { a: buy(), b: buy() }, principalFor(id), headers);
      expect(both.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['a'], 'BAD_USER_INPUT'], [['b'], 'BAD_USER_INPUT']]);
      expect(both.errors?.[0].message).toMatch(/Idempotency-Key header/);
      const disagree = await run(PLACE, { input: buy(), key: 'other' }, principalFor(id), headers);
      expect(codeOf(disagree)).toBe('BAD_USER_INPUT');
      expect(await ordersOf(id)).toHaveLength(1);
    });

    test('keyed mutations are counted as they execute: one inside a fragment counts, one skipped with @skip does not', async () => {
      const { run, ordersOf, services } = fx();
      const id = await fundedAccount(services, { USD: '100' });
      const doc = `mutation($a: PlaceOrderInput!, $b: PlaceOrderInput!, $skipB: Boolean!) {
        ...A
        b: placeOrder(input: $b) @skip(if: $skipB) { order { id } }
      }
      fragment A on Mutation { a: placeOrder(input: $a) { order { id } } }`;
      const headers = { 'idempotency-key': 'frag-1' };
      const vars = { a: buy('0.01'), b: buy('0.02') };
      const alone = await run(doc, { ...vars, skipB: true }, principalFor(id), headers);
      expect(alone.errors).toBeUndefined();
      expect(alone.data.a.order.id).toEqual(expect.any(String));
      const both = await run(doc, { ...vars, skipB: false }, principalFor(id), headers);
      expect(both.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['a'], 'BAD_USER_INPUT'], [['b'], 'BAD_USER_INPUT']]);
      expect(await ordersOf(id)).toHaveLength(1);
    });

    test('a required key that is missing is IDEMPOTENCY_KEY_REQUIRED and nothing runs; an optional one just runs', async () => {
      const { run, ordersOf, services } = fx();
      const id = await fundedAccount(services, { USD: '100' });
      const other = await fundedAccount(services);
      const order = await run(PLACE_NO_KEY, { input: buy() }, principalFor(id));
      expect(order.data.placeOrder).toBeNull();
      expect(order.errors?.[0]).toMatchObject({ path: ['placeOrder'], extensions: { code: 'IDEMPOTENCY_KEY_REQUIRED', retryable: false } });
      const transfer = await run('mutation { createTransfer(input: { toAccountId: "' + other + '", asset: USD, amount: "1" }) { transfer { id } } }', {}, principalFor(id));
      expect(codeOf(transfer)).toBe('IDEMPOTENCY_KEY_REQUIRED');
      expect(await ordersOf(id)).toHaveLength(0);
      const placed = await run(PLACE, { input: buy(), key: 'opt-1' }, principalFor(id));
      const cancel = 'mutation($id: ID!) { cancelOrder(id: $id) { order { status } userErrors { code } } }';
      const canceled = await run(cancel, { id: placed.data.placeOrder.order.id }, principalFor(id));
      expect(canceled.data.cancelOrder.order.status).toBe('CANCELED');
      const again = await run(cancel, { id: placed.data.placeOrder.order.id }, principalFor(id));
      expect(again.data.cancelOrder.userErrors).toEqual([{ code: 'ORDER_NOT_OPEN' }]);
      expect(again.extensions?.idempotentReplay).toBeUndefined();
    });

    test.each([
      ['empty', ''],
      ['256 characters', 'k'.repeat(256)],
      ['a control character', 'bad\u0007key'],
      ['non-ASCII', 'clé-1'],
      ['a leading space', ' key'],
    ])('a key that is %s is BAD_USER_INPUT and nothing runs, in the operation or the header', async (_label, key) => {
      const { run, ordersOf, services } = fx();
      const id = await fundedAccount(services, { USD: '100' });
      const inField = await run(PLACE, { input: buy(), key }, principalFor(id));
      expect(inField.errors?.[0]).toMatchObject({ path: ['placeOrder'], extensions: { code: 'BAD_USER_INPUT' } });
      const inHeader = await run(PLACE_NO_KEY, { input: buy() }, principalFor(id), { 'idempotency-key': JSON.stringify(key) });
      expect(codeOf(inHeader)).toBe('BAD_USER_INPUT');
      expect(await ordersOf(id)).toHaveLength(0);
    });

    test('a retry that spells a decimal with trailing zeros ("100.00" for "100") replays the first outcome: arguments compare by value', async () => {
      const { run, ordersOf, services } = fx();
      const id = await fundedAccount(services, { USD: '100' });
      const first = await run(PLACE, { input: buy('0.01', '100'), key: 'spelled' }, principalFor(id));
      expect(first.errors).toBeUndefined();
      const retry = await run(PLACE, { input: buy('0.0100', '100.00'), key: 'spelled' }, principalFor(id));
      expect(retry.errors).toBeUndefined();
      expect(retry.extensions?.idempotentReplay).toEqual({ placeOrder: true });
      expect(retry.data).toEqual(first.data);
      expect(codeOf(await run(PLACE, { input: buy('0.01', '100.01'), key: 'spelled' }, principalFor(id)))).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await ordersOf(id)).toHaveLength(1);
    });

    test('a 255-character printable key is accepted', async () => {
      const { run, services } = fx();
      const id = await fundedAccount(services, { USD: '100' });
      const result = await run(PLACE, { input: buy(), key: '~'.repeat(255) }, principalFor(id));
      expect(result.errors).toBeUndefined();
    });

    test('while the same key is in progress, a duplicate gets IDEMPOTENCY_IN_PROGRESS with retryAfter and never runs', async () => {
      const { run, ordersOf, services, fast } = fx();
      const id = await fundedAccount(services, { USD: '100' });
      const scope = idempotencyScopeKey({ scope: id, field: 'placeOrder', key: 'busy-1' });
      // Another request holds the lease: exactly what a concurrent duplicate finds.
      const held = await fast.store.claim(scope, placeFingerprint(buy()), 10_000);
      if (held.kind !== 'acquired') throw new Error('expected to acquire');
      const duplicate = await run(PLACE, { input: buy(), key: 'busy-1' }, principalFor(id));
      expect(duplicate.errors?.[0]).toMatchObject({ path: ['placeOrder'], extensions: { code: 'IDEMPOTENCY_IN_PROGRESS', retryable: true } });
      const retryAfter = duplicate.errors?.[0].extensions?.retryAfter as number;
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 10).toBe(true);
      expect(codeOf(await run(PLACE, { input: buy('0.02'), key: 'busy-1' }, principalFor(id)))).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await ordersOf(id)).toHaveLength(0);
      await fast.store.release(scope, held.token);
      expect((await run(PLACE, { input: buy(), key: 'busy-1' }, principalFor(id))).errors).toBeUndefined();
      expect(await ordersOf(id)).toHaveLength(1);
    });

    test('when the fast-path store is down, keyed mutations fail closed with SERVICE_UNAVAILABLE and nothing runs', async () => {
      const { services, serverWith, ordersOf } = fx();
      const id = await fundedAccount(services, { USD: '100' });
      const down = async () => { throw new Error('ECONNREFUSED 127.0.0.1:6379'); };
      const broken: IdempotencyStore = { claim: down, complete: down, release: down, remember: down, peekCompleted: down };
      const api = await serverWith({ deps: { idempotency: broken } });
      const result = await api.execute<any, Record<string, unknown>>(PLACE, { input: buy(), key: 'down-1' }, principalFor(id));
      expect(result.errors?.[0]).toMatchObject({ path: ['placeOrder'], extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true } });
      expect(JSON.stringify(result)).not.toContain('ECONNREFUSED');
      expect(await ordersOf(id)).toHaveLength(0);
    });

    test('idempotency events are counted by outcome and logged with their scope, never their arguments', async () => {
      const { run, services, metrics, log } = fx();
      const id = await fundedAccount(services, { USD: '100' });
      const before = await counts(metrics.idempotency);
      await run(PLACE, { input: { ...buy(), clientOrderId: 'secret-client-id' }, key: 'count-1' }, principalFor(id));
      await run(PLACE, { input: { ...buy(), clientOrderId: 'secret-client-id' }, key: 'count-1' }, principalFor(id));
      await run(PLACE, { input: buy('0.02'), key: 'count-1' }, principalFor(id));
      await run(PLACE_NO_KEY, { input: buy() }, principalFor(id));
      const after = await counts(metrics.idempotency);
      const delta = (outcome: string) => (after[outcome] ?? 0) - (before[outcome] ?? 0);
      expect(['executed', 'replayed', 'key_reused', 'key_required'].map(delta)).toEqual([1, 1, 1, 1]);
      const scope = idempotencyScopeKey({ scope: id, field: 'placeOrder', key: 'count-1' });
      const events = log.lines().filter((l) => l.scope === scope).map((l) => l.event);
      expect(events).toEqual(['idempotent_replay', 'idempotency_key_reused']);
      expect(log.text()).not.toContain('secret-client-id');
    });
  });
}

async function counts(counter: { get(): Promise<{ values: Array<{ labels: Record<string, unknown>; value: number }> }> }): Promise<Record<string, number>> {
  return Object.fromEntries((await counter.get()).values.map((v) => [String(v.labels.outcome), v.value]));
}
