import { randomUUID } from 'node:crypto';
import { idempotencyScopeKey, type IdempotencyStore } from '@signet/idempotency';
import type { DomainServices } from '../../../src/domain';
import { balancesOf, fundedAccount, idempotencyRecordsOf } from '../../helpers/domain';
import { CLEAN_RECONCILIATION, bookCounts, orphanJournals, ordersWithoutTheirHolds } from '../../helpers/ledger-checks';
import { principalFor } from '../../helpers/graphql';
import { forgetfulMemoryStore } from '../../helpers/idempotency';
import { PLACE, buy, codeOf, placeFingerprint, describeOn, useIdempotencyFixture, type IdempotencyBackend } from './fixture';

/** What a retry gets back: replays, mismatches, what consumes a key and what does not, retention, cache loss. */
export function defineReplaySuite(backend: IdempotencyBackend): void {
  describeOn(backend, '@idempotent replays', () => {
    const fx = useIdempotencyFixture(backend);

    test('a retried placeOrder replays the original order, marked as a replay, and holds the funds once', async () => {
      const { run, ordersOf, services } = fx();
      const id = await fundedAccount(services, { USD: '1000' });
      const first = await run(PLACE, { input: buy(), key: 'order-1' }, principalFor(id));
      expect(first.errors).toBeUndefined();
      expect(first.extensions?.idempotentReplay).toBeUndefined();
      const retry = await run(PLACE, { input: buy(), key: 'order-1' }, principalFor(id));
      expect(retry.errors).toBeUndefined();
      expect(retry.data.placeOrder).toEqual(first.data.placeOrder);
      expect(retry.extensions?.idempotentReplay).toEqual({ placeOrder: true });
      expect(await ordersOf(id)).toHaveLength(1);
      expect(await balancesOf(services, id)).toMatchObject({ USD: { available: '999', held: '1' } });
    });

    test('a replay whose order the database no longer has (restored from an older backup) is IDEMPOTENCY_OUTCOME_LOST, not a success with a null order (backup review)', async () => {
      const { run, services, sql, log } = fx();
      const id = await fundedAccount(services, { USD: '1000' });
      const other = await fundedAccount(services, {});
      const first = await run(PLACE, { input: buy(), key: 'restored-1' }, principalFor(id));
      expect(first.data.placeOrder.order.id).toEqual(expect.any(String));
      // The database goes back to before the order (a restore): the caller no longer has it. Given
      // back afterwards: the suite's later tests reconcile the same database.
      const orderId = first.data.placeOrder.order.id;
      await sql.query('UPDATE orders SET account_id = $1 WHERE id = $2', [other, orderId]);
      try {
        const retry = await run(PLACE, { input: buy(), key: 'restored-1' }, principalFor(id));
        expect(retry.data.placeOrder).toBeNull();
        expect(retry.errors?.[0]).toMatchObject({ path: ['placeOrder'], extensions: { code: 'IDEMPOTENCY_OUTCOME_LOST', retryable: false } });
        expect(retry.errors?.[0].message).toContain('nothing ran now');
        // The operator learns it from the log, at error: only they can act on a database that went back.
        expect(log.lines()).toContainEqual(expect.objectContaining({
          level: 50, code: 'IDEMPOTENCY_OUTCOME_LOST', path: ['placeOrder'], msg: expect.stringContaining('was the database restored from an older backup?'),
        }));
      } finally {
        await sql.query('UPDATE orders SET account_id = $1 WHERE id = $2', [id, orderId]);
      }
    });

    test('a replayed cancelOrder whose order the database has open again (restored from before the cancel) is IDEMPOTENCY_OUTCOME_LOST, not a success (review)', async () => {
      const { run, services, sql } = fx();
      const id = await fundedAccount(services, { USD: '1000' });
      const placed = await run(PLACE, { input: buy(), key: 'restored-place-2' }, principalFor(id));
      const orderId = placed.data.placeOrder.order.id;
      const CANCEL = 'mutation($id: ID!) { cancelOrder(id: $id) @idempotent(key: "restored-cancel-2") { order { id status } userErrors { code } } }';
      const canceled = await run(CANCEL, { id: orderId }, principalFor(id));
      expect(canceled.data.cancelOrder).toMatchObject({ order: { status: 'CANCELED' }, userErrors: [] });
      // The database goes back to before the cancel: the order is open again. Given back afterwards.
      await sql.query("UPDATE orders SET status = 'OPEN' WHERE id = $1", [orderId]);
      try {
        const retry = await run(CANCEL, { id: orderId }, principalFor(id));
        expect(retry.data.cancelOrder).toBeNull();
        expect(retry.errors?.[0]).toMatchObject({ path: ['cancelOrder'], extensions: { code: 'IDEMPOTENCY_OUTCOME_LOST' } });
      } finally {
        await sql.query("UPDATE orders SET status = 'CANCELED' WHERE id = $1", [orderId]);
      }
      // Its state as the cancel left it: the replay answers the cancel again.
      expect((await run(CANCEL, { id: orderId }, principalFor(id))).data.cancelOrder).toMatchObject({ order: { status: 'CANCELED' }, userErrors: [] });
    });

    test('a business failure is an outcome: the retry replays the same userErrors even after funds arrive', async () => {
      const { run, ordersOf, services } = fx();
      const id = await fundedAccount(services, { USD: '0.5' });
      const first = await run(PLACE, { input: buy(), key: 'poor-1' }, principalFor(id));
      expect(first.data.placeOrder.userErrors.map((e: { code: string }) => e.code)).toEqual(['INSUFFICIENT_FUNDS']);
      await services.accounts.deposit(id, 'USD', '1000');
      const retry = await run(PLACE, { input: buy(), key: 'poor-1' }, principalFor(id));
      expect(retry.data.placeOrder).toEqual(first.data.placeOrder);
      expect(retry.extensions?.idempotentReplay).toEqual({ placeOrder: true });
      expect(await ordersOf(id)).toHaveLength(0);
    });

    test('the same key with other arguments is IDEMPOTENCY_KEY_REUSED and nothing runs', async () => {
      const { run, ordersOf, services } = fx();
      const id = await fundedAccount(services, { USD: '1000' });
      await run(PLACE, { input: buy('0.01'), key: 'reuse-1' }, principalFor(id));
      const other = await run(PLACE, { input: buy('0.02'), key: 'reuse-1' }, principalFor(id));
      expect(other.data.placeOrder).toBeNull();
      expect(other.errors?.[0]).toMatchObject({ path: ['placeOrder'], extensions: { code: 'IDEMPOTENCY_KEY_REUSED', retryable: false } });
      expect(await ordersOf(id)).toHaveLength(1);
      expect(await balancesOf(services, id)).toMatchObject({ USD: { held: '1' } });
    });

    test('reordered input keys and a literal instead of variables are the same request, not a mismatch', async () => {
      const { run, ordersOf, services } = fx();
      const id = await fundedAccount(services, { USD: '1000' });
      const first = await run(PLACE, { input: { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01' }, key: 'same-1' }, principalFor(id));
      const reordered = await run(PLACE, { key: 'same-1', input: { quantity: '0.01', price: '100', side: 'BUY', market: 'BTC-USD' } }, principalFor(id));
      const literal = await run(`mutation { placeOrder(input: { quantity: "0.01", side: BUY, type: LIMIT, price: "100", market: "BTC-USD" }) @idempotent(key: "same-1") { order { id status } userErrors { code message field } } }`, {}, principalFor(id));
      for (const retry of [reordered, literal]) {
        expect(retry.errors).toBeUndefined();
        expect(retry.data.placeOrder).toEqual(first.data.placeOrder);
        expect(retry.extensions?.idempotentReplay).toEqual({ placeOrder: true });
      }
      expect(await ordersOf(id)).toHaveLength(1);
    });

    test('failures before execution do not consume the key: a forbidden call and a rejected input, then the real call runs', async () => {
      const { run, ordersOf, services } = fx();
      const id = await fundedAccount(services, { USD: '1000' });
      const forbidden = await run(PLACE, { input: buy(), key: 'pre-1' }, principalFor(id, ['READ']));
      expect(codeOf(forbidden)).toBe('FORBIDDEN');
      const invalid = await run(PLACE, { input: { ...buy(), clientOrderId: 'has spaces' }, key: 'pre-1' }, principalFor(id));
      expect(codeOf(invalid)).toBe('BAD_USER_INPUT');
      const real = await run(PLACE, { input: buy(), key: 'pre-1' }, principalFor(id));
      expect(real.errors).toBeUndefined();
      expect(real.data.placeOrder.order.status).toBe('OPEN');
      expect(real.extensions?.idempotentReplay).toBeUndefined();
      expect(await ordersOf(id)).toHaveLength(1);
    });

    test('an unexpected failure rolls the effect back and releases the key; the retry executes once', async () => {
      const { services, serverWith, ordersOf } = fx();
      const id = await fundedAccount(services, { USD: '1000' });
      let failures = 1;
      // The order and its hold are written, then the call dies: the whole transaction must roll back.
      const flaky: DomainServices = { ...services, orders: { ...services.orders, async placeOrder(accountId, input) {
        const result = await services.orders.placeOrder(accountId, input);
        if (failures-- > 0) throw new Error('connection reset after insert');
        return result;
      } } };
      const api = await serverWith({ services: flaky });
      const failed = await api.execute<any, Record<string, unknown>>(PLACE, { input: buy(), key: 'flaky-1' }, principalFor(id));
      expect(codeOf(failed)).toBe('INTERNAL_SERVER_ERROR');
      expect(await ordersOf(id)).toHaveLength(0);
      expect(await balancesOf(services, id)).toMatchObject({ USD: { available: '1000', held: '0' } });
      const retry = await api.execute<any, Record<string, unknown>>(PLACE, { input: buy(), key: 'flaky-1' }, principalFor(id));
      expect(retry.errors).toBeUndefined();
      expect(retry.extensions?.idempotentReplay).toBeUndefined();
      expect(await ordersOf(id)).toHaveLength(1);
    });

    test('retention: a retry 1 s before the TTL replays (from cache or database), 1 s after it runs afresh', async () => {
      const { services, serverWith, ordersOf } = fx();
      const id = await fundedAccount(services, { USD: '1000' });
      const ttl = 600_000;
      let t = Date.now();
      const now = () => t;
      // The memory store shares the injected clock, so cache and durable record expire together.
      const fast = forgetfulMemoryStore({ now });
      try {
        const api = await serverWith({ deps: { now, idempotency: fast.store, idempotencyTtlMs: ttl } });
        const first = await api.execute<any, Record<string, unknown>>(PLACE, { input: buy(), key: 'ttl-1' }, principalFor(id));
        t += ttl - 1_000;
        const cached = await api.execute<any, Record<string, unknown>>(PLACE, { input: buy(), key: 'ttl-1' }, principalFor(id));
        expect(cached.data).toEqual(first.data);
        expect(cached.extensions?.idempotentReplay).toEqual({ placeOrder: true });
        await fast.forget();
        const durable = await api.execute<any, Record<string, unknown>>(PLACE, { input: buy(), key: 'ttl-1' }, principalFor(id));
        expect(durable.data).toEqual(first.data);
        expect(durable.extensions?.idempotentReplay).toEqual({ placeOrder: true });
        t += 2_000;
        const fresh = await api.execute<any, Record<string, unknown>>(PLACE, { input: buy(), key: 'ttl-1' }, principalFor(id));
        expect(fresh.extensions?.idempotentReplay).toBeUndefined();
        expect(fresh.data.placeOrder.order.id).not.toBe(first.data.placeOrder.order.id);
        expect(await ordersOf(id)).toHaveLength(2);
      } finally {
        await fast.close();
      }
    });

    test('when the fast path forgets everything (FLUSHALL) between attempts, the retry replays from the database without running the resolver again', async () => {
      const { run, ordersOf, services, fast, sql, log } = fx();
      const id = await fundedAccount(services, { USD: '1000' });
      const first = await run(PLACE, { input: buy(), key: 'flush-1' }, principalFor(id));
      await fast.forget();
      const retry = await run(PLACE, { input: buy(), key: 'flush-1' }, principalFor(id));
      expect(retry.data).toEqual(first.data);
      expect(retry.extensions?.idempotentReplay).toEqual({ placeOrder: true });
      const scope = idempotencyScopeKey({ scope: id, field: 'placeOrder', key: 'flush-1' });
      // The emptied store is complete only since the loss, so the executor read the record before
      // running anything: a replay from the database, and no execution whose record conflicted.
      expect(log.lines().filter((l) => l.scope === scope).map((l) => [l.event, l.source])).toEqual([['idempotent_replay', 'durable']]);
      // The durable replay put the outcome back in the fast path: the next retry needs no transaction.
      const cached = await fast.store.claim(scope, placeFingerprint(buy()), 1_000);
      expect(cached.kind).toBe('completed');
      await fast.forget();
      const mismatch = await run(PLACE, { input: buy('0.02'), key: 'flush-1' }, principalFor(id));
      expect(codeOf(mismatch)).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(log.lines().filter((l) => l.scope === scope).map((l) => [l.event, l.source])).toEqual([
        ['idempotent_replay', 'durable'], ['idempotency_key_reused', 'durable'],
      ]);
      expect(await ordersOf(id)).toHaveLength(1);
      expect(await balancesOf(services, id)).toMatchObject({ USD: { held: '1' } });
      // One hold in the books.
      expect(await ordersWithoutTheirHolds(sql)).toEqual([]);
      expect(await orphanJournals(sql)).toEqual([]);
      expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
    });

    test('a refusal under a key (INSUFFICIENT_FUNDS) leaves the books untouched, is recorded, and replays from the database even once funds arrive', async () => {
      const { run, ordersOf, services, fast, sql, log } = fx();
      const id = await fundedAccount(services, { USD: '0.5' });
      const before = await bookCounts(sql);
      const first = await run(PLACE, { input: buy(), key: 'refused-1' }, principalFor(id));
      expect(first.data.placeOrder).toEqual({ order: null, userErrors: [{ code: 'INSUFFICIENT_FUNDS', message: expect.any(String), field: ['input', 'quantity'] }] });
      // The hold's partial writes were rolled back; only the record of the refusal was kept.
      expect(await bookCounts(sql)).toEqual({ ...before, idempotencyRecords: before.idempotencyRecords + 1 });
      expect(await balancesOf(services, id)).toMatchObject({ USD: { available: '0.5', held: '0' } });
      const scope = idempotencyScopeKey({ scope: id, field: 'placeOrder', key: 'refused-1' });
      expect(await idempotencyRecordsOf(services).find(scope, new Date())).toMatchObject({ outcome: expect.stringContaining('INSUFFICIENT_FUNDS') });

      await services.accounts.deposit(id, 'USD', '1000');
      await fast.forget();
      const afterDeposit = await bookCounts(sql);
      // The funds are there now, but the emptied store sends the executor to the record first: the
      // refusal is replayed and the resolver does not run (no execution whose record conflicted).
      const retry = await run(PLACE, { input: buy(), key: 'refused-1' }, principalFor(id));
      expect(retry.data.placeOrder).toEqual(first.data.placeOrder);
      expect(retry.extensions?.idempotentReplay).toEqual({ placeOrder: true });
      expect(log.lines().filter((l) => l.scope === scope).map((l) => l.event)).toEqual(['idempotent_replay']);
      expect(await bookCounts(sql)).toEqual(afterDeposit);
      expect(await ordersOf(id)).toHaveLength(0);
      expect(await balancesOf(services, id)).toMatchObject({ USD: { available: '1000.5', held: '0' } });
      expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
    });

    test.each([
      ['funds for every duplicate', '1000'],
      ['funds for one order only (the losers are refused before their record conflicts)', '1'],
    ])('20 concurrent duplicates past a fast path that remembers nothing (%s) commit one order, and all answer with it', async (_label, funds) => {
      const { services, serverWith, ordersOf, sql, log } = fx();
      const id = await fundedAccount(services, { USD: funds });
      // Every claim is acquired and nothing is ever cached, while the store claims a complete view
      // (so no lookup comes first): only the durable record's insert stands between the duplicates.
      const amnesiac: IdempotencyStore = {
        claim: async () => ({ kind: 'acquired', token: randomUUID(), completeSinceMs: Number.NEGATIVE_INFINITY }), complete: async () => true, release: async () => true, remember: async () => undefined, peekCompleted: async () => undefined,
      };
      const api = await serverWith({ deps: { idempotency: amnesiac } });
      const results = await Promise.all(Array.from({ length: 20 }, () => api.execute<any, Record<string, unknown>>(PLACE, { input: buy(), key: `amnesia-${funds}` }, principalFor(id))));
      expect(results.map((r) => r.errors)).toEqual(Array(20).fill(undefined));
      const orderIds = new Set(results.map((r) => r.data.placeOrder.order?.id));
      expect(orderIds.size).toBe(1);
      expect(results.filter((r) => r.extensions?.idempotentReplay === undefined)).toHaveLength(1);
      expect(results.every((r) => r.data.placeOrder.userErrors.length === 0)).toBe(true);
      // Each loser ran its effect and lost at its record insert, then replayed the winner.
      const scope = idempotencyScopeKey({ scope: id, field: 'placeOrder', key: `amnesia-${funds}` });
      expect(log.lines().filter((l) => l.scope === scope && l.event === 'idempotency_record_conflict')).toHaveLength(19);
      expect((await ordersOf(id)).map((o) => o.id)).toEqual([...orderIds]);
      expect(await balancesOf(services, id)).toMatchObject({ USD: { available: String(Number(funds) - 1), held: '1' } });
      expect(await ordersWithoutTheirHolds(sql)).toEqual([]);
      expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
    });

    test('a replay re-resolves the order: any selection set, and the current status after a cancel', async () => {
      const { run, services } = fx();
      const id = await fundedAccount(services, { USD: '1000' });
      const first = await run(`mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "100", quantity: "0.01" }) @idempotent(key: "shape-1") { order { id } } }`, {}, principalFor(id));
      const orderId = first.data.placeOrder.order.id;
      const wider = `mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "100", quantity: "0.01" }) @idempotent(key: "shape-1") { order { id status price holdAmount } userErrors { code } } }`;
      expect((await run(wider, {}, principalFor(id))).data.placeOrder).toEqual({ order: { id: orderId, status: 'OPEN', price: '100', holdAmount: '1' }, userErrors: [] });
      const canceled = await run('mutation($id: ID!) { cancelOrder(id: $id) { order { status } } }', { id: orderId }, principalFor(id));
      expect(canceled.data.cancelOrder.order.status).toBe('CANCELED');
      const after = await run(wider, {}, principalFor(id));
      expect(after.data.placeOrder.order).toMatchObject({ id: orderId, status: 'CANCELED' });
      expect(after.extensions?.idempotentReplay).toEqual({ placeOrder: true });
    });

    test('cancelAllOrders stores the ids of the orders it canceled: a replay from the database re-reads each, in order, and cancels nothing new', async () => {
      const { run, ordersOf, services, fast, log } = fx();
      const id = await fundedAccount(services, { USD: '1000' });
      for (const price of ['100', '101']) await run(PLACE, { input: buy('0.01', price), key: `rest-${price}` }, principalFor(id));
      const cancelAll = 'mutation { cancelAllOrders(market: "BTC-USD") @idempotent(key: "all-1") { orders { id status } userErrors { code } } }';
      const first = await run(cancelAll, {}, principalFor(id));
      expect(first.data.cancelAllOrders.orders.map((o: { status: string }) => o.status)).toEqual(['CANCELED', 'CANCELED']);
      const scope = idempotencyScopeKey({ scope: id, field: 'cancelAllOrders', key: 'all-1' });
      const stored = JSON.parse((await idempotencyRecordsOf(services).find(scope, new Date()))!.outcome);
      expect(stored).toEqual({ entity: null, entities: { kind: 'orders', ids: first.data.cancelAllOrders.orders.map((o: { id: string }) => o.id) }, userErrors: [] });

      // A new live order after the call: the replay must not cancel it, nor list it.
      await run(PLACE, { input: buy('0.01', '102'), key: 'rest-102' }, principalFor(id));
      await fast.forget();
      const retry = await run(cancelAll, {}, principalFor(id));
      expect(retry.data).toEqual(first.data);
      expect(retry.extensions?.idempotentReplay).toEqual({ cancelAllOrders: true });
      expect(log.lines().filter((l) => l.scope === scope).map((l) => [l.event, l.source])).toEqual([['idempotent_replay', 'durable']]);
      expect((await ordersOf(id)).map((o) => o.status)).toEqual(['OPEN', 'CANCELED', 'CANCELED']);
    });

    test('a cancelAllOrders replay re-reads all its orders in one statement, from the fast path and from the database', async () => {
      // An outcome may name hundreds of orders, and replays behind a spent field limit are still
      // answered: a statement per order made each replay cost as much as the cancel itself.
      const { run, services, fast, statementsOf } = fx();
      const id = await fundedAccount(services, { USD: '1000' });
      for (let i = 0; i < 12; i++) await run(PLACE, { input: buy('0.01', String(100 + i)), key: `many-${i}` }, principalFor(id));
      const cancelAll = 'mutation { cancelAllOrders(market: "BTC-USD") @idempotent(key: "all-many") { orders { id status } userErrors { code } } }';
      const first = await run(cancelAll, {}, principalFor(id));
      expect(first.data.cancelAllOrders.orders).toHaveLength(12);
      for (const forget of [false, true]) {
        if (forget) await fast.forget();
        const statements = await statementsOf(async () => {
          const retry = await run(cancelAll, {}, principalFor(id));
          expect(retry.data).toEqual(first.data);
          expect(retry.extensions?.idempotentReplay).toEqual({ cancelAllOrders: true });
        });
        expect(statements.filter((text) => /^SELECT .* FROM orders WHERE/.test(text))).toHaveLength(1);
      }
    });

    test('a cancelAllOrders refusal (UNKNOWN_MARKET) replays the same userErrors and no orders', async () => {
      const { run, services } = fx();
      const id = await fundedAccount(services);
      const unknown = 'mutation { cancelAllOrders(market: "DOGE-USD") @idempotent(key: "all-doge") { orders { id } userErrors { code field } } }';
      const first = await run(unknown, {}, principalFor(id));
      expect(first.data.cancelAllOrders).toEqual({ orders: [], userErrors: [{ code: 'UNKNOWN_MARKET', field: ['market'] }] });
      const retry = await run(unknown, {}, principalFor(id));
      expect(retry.data).toEqual(first.data);
      expect(retry.extensions?.idempotentReplay).toEqual({ cancelAllOrders: true });
    });

    test('createTransfer replays the transfer and moves the funds once; createApiKey replays the key without its secret', async () => {
      const { run, services } = fx();
      const from = await fundedAccount(services, { USD: '100' });
      const to = await fundedAccount(services);
      const send = 'mutation($input: CreateTransferInput!) { createTransfer(input: $input) @idempotent(key: "rent-1") { transfer { id amount } userErrors { code } } }';
      const input = { toAccountId: to, asset: 'USD', amount: '40' };
      const sent = await run(send, { input }, principalFor(from));
      const again = await run(send, { input }, principalFor(from));
      expect(again.data).toEqual(sent.data);
      expect(again.extensions?.idempotentReplay).toEqual({ createTransfer: true });
      expect(await balancesOf(services, to)).toMatchObject({ USD: { available: '40' } });
      const create = 'mutation { createApiKey(input: { label: "bot", scopes: [READ], algorithm: HMAC_SHA256 }) @idempotent(key: "key-1") { apiKey { id label } privateKey secret userErrors { code } } }';
      const created = await run(create, {}, principalFor(from));
      expect(created.data.createApiKey.secret).toEqual(expect.any(String));
      const replayed = await run(create, {}, principalFor(from));
      expect(replayed.data.createApiKey).toEqual({ apiKey: created.data.createApiKey.apiKey, privateKey: null, secret: null, userErrors: [] });
      expect(replayed.extensions?.idempotentReplay).toEqual({ createApiKey: true });
      expect(await services.apiKeys.listApiKeys(from)).toHaveLength(1);
    });
  });
}
