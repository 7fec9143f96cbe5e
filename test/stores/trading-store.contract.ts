import type { DomainServices } from '../../src/domain';
import { MAX_ACTIVE_API_KEYS, UserErrorCode } from '../../src/domain';
import type { TestDatabase } from '../helpers/database';
import { balancesOf, fundedAccount, servicesFor } from '../helpers/domain';
import { CLEAN_RECONCILIATION } from '../helpers/ledger-checks';
import { defineClientTransferIdContract } from './client-transfer-id.contract';
import { defineDepositReferenceContract } from './deposit-reference.contract';
import { defineOrderRepositoryContract } from './order-repository.contract';

const codes = (r: { ok: boolean; errors?: readonly { code: string }[] }) => (r.ok ? [] : (r.errors ?? []).map((e) => e.code));
const buy = (price: string, quantity: string, extra: Record<string, unknown> = {}) => ({ market: 'BTC-USD', side: 'BUY' as const, type: 'LIMIT' as const, price, quantity, ...extra });

/**
 * The storage contract: the same domain behaviour on every SQL engine (PGlite and PostgreSQL).
 * `open` gives a migrated database for the whole suite.
 */
export function defineTradingStoreContract(name: string, open: () => Promise<TestDatabase>): void {
  describe(`trading store contract: ${name}`, () => {
    let db: TestDatabase;
    let services: DomainServices;
    beforeAll(async () => {
      db = await open();
      services = servicesFor(db.driver);
    });
    afterAll(async () => db?.close());

    test('a deposit credits available funds and is recorded in the ledger', async () => {
      const id = await fundedAccount(services, { USD: '1000.50', BTC: '1' });
      expect(await balancesOf(services, id)).toEqual({ USD: { available: '1000.5', held: '0' }, BTC: { available: '1', held: '0' }, ETH: { available: '0', held: '0' } });
      expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
    });

    test('account names are unique and validated', async () => {
      const first = await services.accounts.createAccount('unique-name-check');
      expect(first.ok).toBe(true);
      expect(codes(await services.accounts.createAccount('unique-name-check'))).toEqual([UserErrorCode.ACCOUNT_NAME_TAKEN]);
      expect(codes(await services.accounts.createAccount(''))).toEqual([UserErrorCode.INVALID_NAME]);
      expect(codes(await services.accounts.createAccount('x'.repeat(65)))).toEqual([UserErrorCode.INVALID_NAME]);
    });

    test('a BUY holds price × quantity of USD and a SELL holds the BTC quantity', async () => {
      const id = await fundedAccount(services, { USD: '1000', BTC: '1' });
      const b = await services.orders.placeOrder(id, buy('30000.01', '0.003'));
      expect(b.ok && b.value).toMatchObject({ status: 'OPEN', price: '30000.01', quantity: '0.003', holdAsset: 'USD', holdAmount: '90.01' });
      const s = await services.orders.placeOrder(id, { market: 'BTC-USD', side: 'SELL', type: 'LIMIT', price: '40000', quantity: '0.25' });
      expect(s.ok && s.value).toMatchObject({ holdAsset: 'BTC', holdAmount: '0.25' });
      expect(await balancesOf(services, id)).toMatchObject({ USD: { available: '909.99', held: '90.01' }, BTC: { available: '0.75', held: '0.25' } });
    });

    test('order validation names each bad field and places nothing', async () => {
      const id = await fundedAccount(services, { USD: '1000' });
      expect(codes(await services.orders.placeOrder(id, { ...buy('1', '1'), market: 'DOGE-USD' }))).toEqual([UserErrorCode.UNKNOWN_MARKET]);
      expect(codes(await services.orders.placeOrder(id, buy('100.001', '0.001')))).toEqual([UserErrorCode.INVALID_PRICE]);
      expect(codes(await services.orders.placeOrder(id, buy('-5', '0.001')))).toEqual([UserErrorCode.INVALID_PRICE]);
      expect(codes(await services.orders.placeOrder(id, buy('1e3', '0.001')))).toEqual([UserErrorCode.INVALID_PRICE]);
      expect(codes(await services.orders.placeOrder(id, buy('20000000', '0.001')))).toEqual([UserErrorCode.INVALID_PRICE]);
      expect(codes(await services.orders.placeOrder(id, buy('100', '0.000001')))).toEqual([UserErrorCode.INVALID_QUANTITY]);
      expect(codes(await services.orders.placeOrder(id, buy('100', '101')))).toEqual([UserErrorCode.INVALID_QUANTITY]);
      expect(codes(await services.orders.placeOrder(id, buy('0', '0')))).toEqual([UserErrorCode.INVALID_PRICE, UserErrorCode.INVALID_QUANTITY]);
      expect((await services.orders.listOrders(id, { limit: 10 })).items).toHaveLength(0);
      expect(await balancesOf(services, id)).toMatchObject({ USD: { available: '1000', held: '0' } });
    });

    test('an order beyond the available balance is INSUFFICIENT_FUNDS and changes nothing', async () => {
      const id = await fundedAccount(services, { USD: '100' });
      expect(codes(await services.orders.placeOrder(id, buy('30000', '0.01')))).toEqual([UserErrorCode.INSUFFICIENT_FUNDS]);
      expect(await balancesOf(services, id)).toMatchObject({ USD: { available: '100', held: '0' } });
      expect((await services.orders.listOrders(id, { limit: 10 })).items).toHaveLength(0);
    });

    test('a reused clientOrderId is rejected, naming the order that holds it, and its hold rolled back', async () => {
      const id = await fundedAccount(services, { USD: '1000' });
      const first = await services.orders.placeOrder(id, buy('100', '1', { clientOrderId: 'c-1' }));
      if (!first.ok) throw new Error('the first placement was refused');
      const again = await services.orders.placeOrder(id, buy('100', '1', { clientOrderId: 'c-1' }));
      expect(again).toMatchObject({ ok: false, errors: [{ code: UserErrorCode.DUPLICATE_CLIENT_ORDER_ID, message: `An order with this clientOrderId already exists: order ${first.value.id}.` }] });
      expect(await balancesOf(services, id)).toMatchObject({ USD: { available: '900', held: '100' } });
    });

    test('cancelling releases the hold; a second cancel is ORDER_NOT_OPEN; others cannot see the order', async () => {
      const id = await fundedAccount(services, { USD: '1000' });
      const other = await fundedAccount(services);
      const placed = await services.orders.placeOrder(id, buy('250', '2'));
      if (!placed.ok) throw new Error('place failed');
      expect(codes(await services.orders.cancelOrder(other, placed.value.id))).toEqual([UserErrorCode.ORDER_NOT_FOUND]);
      expect(await services.orders.findOrder(other, placed.value.id)).toBeNull();
      const canceled = await services.orders.cancelOrder(id, placed.value.id);
      expect(canceled.ok && canceled.value.status).toBe('CANCELED');
      expect(codes(await services.orders.cancelOrder(id, placed.value.id))).toEqual([UserErrorCode.ORDER_NOT_OPEN]);
      expect(codes(await services.orders.cancelOrder(id, 'not-a-uuid'))).toEqual([UserErrorCode.ORDER_NOT_FOUND]);
      expect(await balancesOf(services, id)).toMatchObject({ USD: { available: '1000', held: '0' } });
    });

    test('transfers move available funds and reject every bad request as a user error', async () => {
      const from = await fundedAccount(services, { USD: '50' });
      const to = await fundedAccount(services);
      const t = await services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '20.25', memo: 'rent' });
      expect(t.ok && t.value).toMatchObject({ fromAccountId: from, toAccountId: to, amount: '20.25', memo: 'rent' });
      expect(await balancesOf(services, to)).toMatchObject({ USD: { available: '20.25' } });
      expect(codes(await services.transfers.createTransfer(from, { toAccountId: from, asset: 'USD', amount: '1' }))).toEqual([UserErrorCode.SELF_TRANSFER]);
      expect(codes(await services.transfers.createTransfer(from, { toAccountId: '00000000-0000-4000-8000-00000000dead', asset: 'USD', amount: '1' }))).toEqual([UserErrorCode.ACCOUNT_NOT_FOUND]);
      expect(codes(await services.transfers.createTransfer(from, { toAccountId: 'garbage', asset: 'USD', amount: '1' }))).toEqual([UserErrorCode.ACCOUNT_NOT_FOUND]);
      expect(codes(await services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '0' }))).toEqual([UserErrorCode.INVALID_AMOUNT]);
      expect(codes(await services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '-1' }))).toEqual([UserErrorCode.INVALID_AMOUNT]);
      expect(codes(await services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '1.001' }))).toEqual([UserErrorCode.INVALID_AMOUNT]);
      expect(codes(await services.transfers.createTransfer(from, { toAccountId: to, asset: 'DOGE', amount: '1' }))).toEqual([UserErrorCode.UNKNOWN_ASSET]);
      expect(codes(await services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '29.76' }))).toEqual([UserErrorCode.INSUFFICIENT_FUNDS]);
      expect(await balancesOf(services, from)).toMatchObject({ USD: { available: '29.75' } });
      const listed = await services.transfers.listTransfers(to, { limit: 10 });
      expect(listed.items.map((x) => x.amount)).toEqual(['20.25']);
    });

    test('a transfer one smallest unit beyond the available balance (8-decimal BTC) is INSUFFICIENT_FUNDS and moves nothing; the whole balance moves', async () => {
      // The overdraw check compares exactly, at the asset's scale: 0.00000001 BTC short is refused as
      // a user error before the balance's CHECK constraint is ever reached (that would be an error).
      const from = await fundedAccount(services, { BTC: '1' });
      const to = await fundedAccount(services);
      expect(codes(await services.transfers.createTransfer(from, { toAccountId: to, asset: 'BTC', amount: '1.00000001' }))).toEqual([UserErrorCode.INSUFFICIENT_FUNDS]);
      expect(await balancesOf(services, from)).toMatchObject({ BTC: { available: '1', held: '0' } });
      expect(await balancesOf(services, to)).toMatchObject({ BTC: { available: '0', held: '0' } });
      expect((await services.transfers.listTransfers(from, { limit: 10 })).items).toEqual([]);
      const all = await services.transfers.createTransfer(from, { toAccountId: to, asset: 'BTC', amount: '1' });
      expect(all.ok && all.value).toMatchObject({ fromAccountId: from, toAccountId: to, asset: 'BTC', amount: '1' });
      expect(await balancesOf(services, from)).toMatchObject({ BTC: { available: '0', held: '0' } });
      expect(await balancesOf(services, to)).toMatchObject({ BTC: { available: '1', held: '0' } });
    });

    test('a transfer is found by id by its sender and receiver only', async () => {
      const from = await fundedAccount(services, { USD: '5' });
      const to = await fundedAccount(services);
      const stranger = await fundedAccount(services);
      const t = await services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '1' });
      if (!t.ok) throw new Error('transfer failed');
      expect(await services.transfers.findTransfer(from, t.value.id)).toEqual(t.value);
      expect(await services.transfers.findTransfer(to, t.value.id)).toEqual(t.value);
      expect(await services.transfers.findTransfer(stranger, t.value.id)).toBeNull();
      expect(await services.transfers.findTransfer(from, 'not-a-uuid')).toBeNull();
    });

    test('orders page newest first with a cursor and a status filter', async () => {
      const id = await fundedAccount(services, { USD: '10000' });
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const r = await services.orders.placeOrder(id, buy('100', '1'));
        if (r.ok) ids.push(r.value.id);
      }
      await services.orders.cancelOrder(id, ids[0]);
      const first = await services.orders.listOrders(id, { limit: 2 });
      expect(first.items.map((o) => o.id)).toEqual([ids[4], ids[3]]);
      expect(first.hasNextPage).toBe(true);
      const rest = await services.orders.listOrders(id, { limit: 10, beforeSeq: first.items[1].seq });
      expect(rest.items.map((o) => o.id)).toEqual([ids[2], ids[1], ids[0]]);
      expect(rest.hasNextPage).toBe(false);
      expect((await services.orders.listOrders(id, { limit: 10, status: 'CANCELED' })).items.map((o) => o.id)).toEqual([ids[0]]);
    });

    test('API keys: the server keeps only the public key or the encrypted secret; revocation is once', async () => {
      const id = await fundedAccount(services);
      const ed = await services.apiKeys.createApiKey(id, { label: 'bot', scopes: ['READ', 'TRADE'], algorithm: 'ed25519' });
      if (!ed.ok) throw new Error('create failed');
      expect(ed.value.privateKey).toEqual(expect.any(String));
      expect(ed.value.apiKey).toMatchObject({ algorithm: 'ed25519', scopes: ['READ', 'TRADE'], secretCiphertext: null });
      const hmac = await services.apiKeys.createApiKey(id, { label: 'hmac', scopes: ['READ'], algorithm: 'hmac-sha256' });
      if (!hmac.ok) throw new Error('create failed');
      expect(hmac.value.apiKey.secretCiphertext).not.toContain(hmac.value.secret);
      const material = await services.apiKeys.loadVerificationMaterial(hmac.value.apiKey.id);
      expect(material?.secret?.toString('base64')).toBe(hmac.value.secret);
      expect(codes(await services.apiKeys.createApiKey(id, { label: 'x', scopes: ['TRANSFER'], algorithm: 'ed25519' }, ['READ']))).toEqual([UserErrorCode.INVALID_SCOPES]);
      expect(codes(await services.apiKeys.createApiKey(id, { label: 'x', scopes: ['READ'], algorithm: 'ed25519', publicKey: 'bm90IGEga2V5' }))).toEqual([UserErrorCode.INVALID_PUBLIC_KEY]);
      const revoked = await services.apiKeys.revokeApiKey(id, ed.value.apiKey.id);
      expect(revoked.ok && revoked.value.revokedAt).toBeInstanceOf(Date);
      expect(codes(await services.apiKeys.revokeApiKey(id, ed.value.apiKey.id))).toEqual([UserErrorCode.API_KEY_ALREADY_REVOKED]);
      expect(codes(await services.apiKeys.revokeApiKey(id, 'key_nope'))).toEqual([UserErrorCode.API_KEY_NOT_FOUND]);
      const at = new Date('2030-01-01T00:00:00Z');
      await services.uow.repo.touchApiKeys(new Map([[hmac.value.apiKey.id, at]]));
      expect((await services.uow.repo.findApiKey(hmac.value.apiKey.id))?.lastUsedAt).toEqual(at);
    });

    test('the repository revokes a key only for its own account: another account\'s revocation of it changes nothing', async () => {
      const owner = await fundedAccount(services);
      const stranger = await fundedAccount(services);
      const created = await services.apiKeys.createApiKey(owner, { label: 'bot', scopes: ['READ'], algorithm: 'ed25519' });
      if (!created.ok) throw new Error('create failed');
      const keyId = created.value.apiKey.id;
      expect(await services.uow.repo.revokeApiKey(keyId, stranger, () => new Date(), null)).toBeNull();
      expect(await services.uow.repo.findApiKey(keyId)).toMatchObject({ accountId: owner, revokedAt: null, revokedByApiKeyId: null });
      expect(await services.uow.repo.revokeApiKey(keyId, owner, () => new Date(), null)).toMatchObject({ id: keyId, revokedAt: expect.any(Date) });
    });

    test('API keys record the key that created and the key that revoked them; an operator\'s (no key) records none', async () => {
      const id = await fundedAccount(services);
      const byOperator = await services.apiKeys.createApiKey(id, { label: 'root', scopes: ['READ', 'MANAGE_KEYS'], algorithm: 'ed25519' });
      if (!byOperator.ok) throw new Error('create failed');
      const root = byOperator.value.apiKey.id;
      expect(byOperator.value.apiKey).toMatchObject({ createdByApiKeyId: null, revokedByApiKeyId: null });
      const minted = await services.apiKeys.createApiKey(id, { label: 'minted', scopes: ['READ'], algorithm: 'hmac-sha256' }, ['READ', 'MANAGE_KEYS'], root);
      if (!minted.ok) throw new Error('create failed');
      const mintedId = minted.value.apiKey.id;
      // Stored, not only answered.
      expect(await services.uow.repo.findApiKey(mintedId)).toMatchObject({ createdByApiKeyId: root, revokedByApiKeyId: null, revokedAt: null });
      const revoked = await services.apiKeys.revokeApiKey(id, mintedId, root);
      expect(revoked.ok && revoked.value).toMatchObject({ id: mintedId, createdByApiKeyId: root, revokedByApiKeyId: root, revokedAt: expect.any(Date) });
      // A second revocation (by another key) changes nothing: the first stays recorded.
      expect(codes(await services.apiKeys.revokeApiKey(id, mintedId, 'key_ffffffffffffffffffffffff'))).toEqual([UserErrorCode.API_KEY_ALREADY_REVOKED]);
      expect(await services.uow.repo.findApiKey(mintedId)).toMatchObject({ revokedByApiKeyId: root });
      // An operator's revocation records no key.
      expect((await services.apiKeys.revokeApiKey(id, root)).ok).toBe(true);
      expect((await services.apiKeys.listApiKeys(id)).map((k) => [k.id, k.createdByApiKeyId, k.revokedByApiKeyId])).toEqual([[root, null, null], [mintedId, root, root]]);
    });

    test(`an account holds at most ${MAX_ACTIVE_API_KEYS} unrevoked keys, however many creations race; revoking one makes room`, async () => {
      const id = await fundedAccount(services, { USD: '100' });
      const create = (label: string) => services.apiKeys.createApiKey(id, { label, scopes: ['READ'], algorithm: 'hmac-sha256' });
      const results = await Promise.all(Array.from({ length: MAX_ACTIVE_API_KEYS + 10 }, (_, i) => create(`k${i}`)));
      const created = results.flatMap((r) => (r.ok ? [r.value.apiKey.id] : []));
      expect(created).toHaveLength(MAX_ACTIVE_API_KEYS);
      expect(results.filter((r) => !r.ok).map(codes)).toEqual(Array.from({ length: 10 }, () => [UserErrorCode.TOO_MANY_API_KEYS]));
      expect((await services.apiKeys.listApiKeys(id)).filter((k) => k.revokedAt === null)).toHaveLength(MAX_ACTIVE_API_KEYS);
      // Other accounts are not limited by this one's keys, and its orders do not wait for the bound.
      const other = await fundedAccount(services);
      expect((await services.apiKeys.createApiKey(other, { label: 'other', scopes: ['READ'], algorithm: 'ed25519' })).ok).toBe(true);
      expect((await services.orders.placeOrder(id, buy('10', '1'))).ok).toBe(true);
      expect(codes(await create('one more'))).toEqual([UserErrorCode.TOO_MANY_API_KEYS]);
      expect((await services.apiKeys.revokeApiKey(id, created[0])).ok).toBe(true);
      expect((await create('replacement')).ok).toBe(true);
      expect(codes(await create('one more'))).toEqual([UserErrorCode.TOO_MANY_API_KEYS]);
    });

    test('a nested transaction that fails rolls back only its savepoint', async () => {
      const id = await fundedAccount(services, { USD: '100' });
      const outcome = await services.uow.transaction(async () => {
        const failed = await services.orders.placeOrder(id, buy('1000', '1'));
        const placed = await services.orders.placeOrder(id, buy('10', '1'));
        return { failed: codes(failed), placed: placed.ok };
      });
      expect(outcome).toEqual({ failed: [UserErrorCode.INSUFFICIENT_FUNDS], placed: true });
      expect(await balancesOf(services, id)).toMatchObject({ USD: { available: '90', held: '10' } });
    });

    test('50 concurrent orders against a balance that covers 10: exactly 10 open, 40 INSUFFICIENT_FUNDS', async () => {
      const id = await fundedAccount(services, { USD: '1000' });
      const results = await Promise.all(Array.from({ length: 50 }, () => services.orders.placeOrder(id, buy('100', '1'))));
      expect(results.filter((r) => r.ok)).toHaveLength(10);
      expect(results.filter((r) => codes(r)[0] === UserErrorCode.INSUFFICIENT_FUNDS)).toHaveLength(40);
      expect((await services.orders.listOrders(id, { limit: 100, status: 'OPEN' })).items).toHaveLength(10);
      expect(await balancesOf(services, id)).toMatchObject({ USD: { available: '0', held: '1000' } });
      expect(await services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
    });

    describe('order repository methods', () => defineOrderRepositoryContract(() => ({ db })));
    describe('deposit references', () => defineDepositReferenceContract(() => ({ db, services })));
    describe('client transfer ids', () => defineClientTransferIdContract(() => ({ db, services })));
  });
}
