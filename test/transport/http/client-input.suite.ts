import type { DomainServices } from '../../../src/domain';
import type { TestDatabase } from '../../helpers/database';
import { balancesOf, fundedAccount, servicesFor } from '../../helpers/domain';
import { captureLogger } from '../../helpers/logger';
import { createTestKey, memoryStores, signedRequest, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';

const TRANSFER = 'mutation($i: CreateTransferInput!, $k: String) { createTransfer(input: $i) @idempotent(key: $k) { transfer { id toAccountId } userErrors { code field } } }';
const CREATE_KEY = 'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id } userErrors { code field } } }';
const PLACE = 'mutation($i: PlaceOrderInput!, $k: String) { placeOrder(input: $i) @idempotent(key: $k) { order { id } userErrors { code } } }';
/** pino's numeric level for `error`: nothing a client sends may produce a line at or above it. */
const ERROR_LEVEL = 50;

/**
 * Client mistakes that used to end as masked INTERNAL_SERVER_ERRORs with a logged stack: each is
 * a coded client error, over real HTTP, and nothing is logged at error level.
 */
export function defineClientInputSuite(name: string, openDatabase: () => Promise<TestDatabase>): void {
  describe(`client input is never a server fault (${name})`, () => {
    let db: TestDatabase;
    let services: DomainServices;
    let server: RunningSignet;
    let accountId: string;
    let key: TestKey;
    const log = captureLogger();
    let seen = 0;
    const newErrorLines = () => log.lines().slice(seen).filter((line) => Number(line.level) >= ERROR_LEVEL);
    let counter = 0;
    const nextKey = () => `client-input-${++counter}`;

    beforeAll(async () => {
      db = await openDatabase();
      services = servicesFor(db.driver);
      // The suite sends more transfers than createTransfer's 10 a minute allow one account.
      server = await startSignet(services, memoryStores(), { logger: log.logger, directives: { rateLimitOverrides: { 'Mutation.createTransfer': { max: 1000, window: '1m' } } } });
      accountId = await fundedAccount(services, { USD: '1000' }, 'input');
      key = await createTestKey(services, accountId, 'ed25519');
    });
    afterAll(async () => {
      await server?.close();
      await db?.close();
    });
    beforeEach(() => {
      seen = log.lines().length;
    });
    afterEach(() => {
      expect(newErrorLines()).toEqual([]);
    });

    test('an unsigned subscription operation is a 400 GRAPHQL_VALIDATION_FAILED, not a 500', async () => {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'subscription { serverTime }' }),
      });
      const json = await res.json();
      expect(res.status).toBe(400);
      expect(json.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }) })]);
    });

    test('a signed subscription operation is refused the same way', async () => {
      const res = await signedRequest(server, key, { query: 'subscription S { me { id } }' });
      expect(res.status).toBe(400);
      expect(res.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });

    test('a NUL byte in a transfer memo is BAD_USER_INPUT and moves nothing', async () => {
      const other = await fundedAccount(services, {}, 'memo-to');
      const res = await signedRequest(server, key, { query: TRANSFER, variables: { i: { toAccountId: other, asset: 'USD', amount: '1', memo: 'rent\u0000' }, k: nextKey() } });
      expect(res.status).toBe(200);
      expect(res.json.data.createTransfer).toBeNull();
      expect(res.json.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'memo', messages: [expect.stringContaining('control')] }] });
      expect((await balancesOf(services, other)).USD.available).toBe('0');
    });

    test('a body that is not UTF-8 (a Latin-1 memo, signed as sent) is 400 BAD_REQUEST and moves nothing: it was executed with the memo garbled', async () => {
      const other = await fundedAccount(services, {}, 'latin1-to');
      const json = JSON.stringify({ query: TRANSFER, variables: { i: { toAccountId: other, asset: 'USD', amount: '1', memo: 'Zürich café' }, k: nextKey() } });
      const res = await signedRequest(server, key, null, { body: Buffer.from(json, 'latin1') });
      expect([res.status, res.json.errors[0].extensions.code, res.json.errors[0].message]).toEqual([400, 'BAD_REQUEST', expect.stringContaining('not valid UTF-8')]);
      expect((await balancesOf(services, other)).USD?.available ?? '0').toBe('0');
      const utf8 = await signedRequest(server, key, null, { body: json });
      expect(utf8.json.data.createTransfer.transfer).not.toBeNull();
      expect((await balancesOf(services, other)).USD.available).toBe('1');
    });

    test('a charset other than UTF-8 is 415 UNSUPPORTED_MEDIA_TYPE and runs nothing; charset=utf-8 in any spelling is read', async () => {
      const other = await fundedAccount(services, {}, 'charset-to');
      const transfer = () => ({ query: TRANSFER, variables: { i: { toAccountId: other, asset: 'USD', amount: '1' }, k: nextKey() } });
      for (const charset of ['iso-8859-1', 'utf-16', '"windows-1252"']) {
        const res = await signedRequest(server, key, transfer(), { headers: { 'content-type': `application/json; charset=${charset}` } });
        expect([charset, res.status, res.json.errors[0].extensions.code, res.json.errors[0].message]).toEqual([charset, 415, 'UNSUPPORTED_MEDIA_TYPE', expect.stringContaining('UTF-8')]);
      }
      expect((await balancesOf(services, other)).USD?.available ?? '0').toBe('0');
      for (const charset of ['utf-8', 'UTF-8', '"utf-8"', 'utf8']) {
        const res = await signedRequest(server, key, transfer(), { headers: { 'content-type': `application/json;charset=${charset}` } });
        expect([charset, res.status, res.json.data?.createTransfer?.userErrors]).toEqual([charset, 200, []]);
      }
      expect((await balancesOf(services, other)).USD.available).toBe('4');
    });

    test.each([['a bell', 'ding\u0007'], ['a right-to-left override', 'abc\u202Edef'], ['a C1 control', 'x\u0085y']])('%s in a memo is BAD_USER_INPUT', async (_what, memo) => {
      const other = await fundedAccount(services, {}, 'memo-ctl');
      const res = await signedRequest(server, key, { query: TRANSFER, variables: { i: { toAccountId: other, asset: 'USD', amount: '1', memo }, k: nextKey() } });
      expect(res.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    test('lengths count characters the same way in the schema and the services: an emoji is one (140-character memo, 64-character label)', async () => {
      const other = await fundedAccount(services, {}, 'memo-len');
      const memo = `${'a'.repeat(139)}😀`;
      const sent = await signedRequest(server, key, { query: TRANSFER, variables: { i: { toAccountId: other, asset: 'USD', amount: '1', memo }, k: nextKey() } });
      expect(sent.json.errors).toBeUndefined();
      expect(sent.json.data.createTransfer.userErrors).toEqual([]);
      const tooLong = await signedRequest(server, key, { query: TRANSFER, variables: { i: { toAccountId: other, asset: 'USD', amount: '1', memo: `${memo}b` }, k: nextKey() } });
      expect(tooLong.json.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'memo', messages: [expect.stringContaining('up to 140 characters')] }] });
      const label = `${'k'.repeat(63)}😀`;
      const created = await signedRequest(server, key, { query: CREATE_KEY, variables: { i: { label, scopes: ['READ'] } } });
      expect(created.json.errors).toBeUndefined();
      expect(created.json.data.createApiKey.userErrors).toEqual([]);
      const longLabel = await signedRequest(server, key, { query: CREATE_KEY, variables: { i: { label: `${label}k`, scopes: ['READ'] } } });
      expect(longLabel.json.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'label', messages: [expect.stringContaining('1-64 characters')] }] });
      expect((await balancesOf(services, other)).USD.available).toBe('1');
    });

    test('a NUL byte in an API key label is BAD_USER_INPUT and creates no key', async () => {
      const before = (await services.apiKeys.listApiKeys(accountId)).length;
      const res = await signedRequest(server, key, { query: CREATE_KEY, variables: { i: { label: 'bot\u0000', scopes: ['READ'] } } });
      expect(res.status).toBe(200);
      expect(res.json.data.createApiKey).toBeNull();
      expect(res.json.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'label', messages: [expect.stringContaining('control')] }] });
      expect(await services.apiKeys.listApiKeys(accountId)).toHaveLength(before);
    });

    test('a transfer to one\'s own account id written in upper case is SELF_TRANSFER', async () => {
      const res = await signedRequest(server, key, { query: TRANSFER, variables: { i: { toAccountId: accountId.toUpperCase(), asset: 'USD', amount: '1' }, k: nextKey() } });
      expect(res.json.errors).toBeUndefined();
      expect(res.json.data.createTransfer).toEqual({ transfer: null, userErrors: [{ code: 'SELF_TRANSFER', field: ['input', 'toAccountId'] }] });
    });

    test('a transfer to another account id in upper case reaches that account, reported in canonical form', async () => {
      const other = await fundedAccount(services, {}, 'upper-to');
      const res = await signedRequest(server, key, { query: TRANSFER, variables: { i: { toAccountId: other.toUpperCase(), asset: 'USD', amount: '2' }, k: nextKey() } });
      expect(res.json.errors).toBeUndefined();
      expect(res.json.data.createTransfer.transfer.toAccountId).toBe(other);
      expect((await balancesOf(services, other)).USD.available).toBe('2');
    });

    test('order and key ids resolve in any case: order(id), cancelOrder, revokeApiKey', async () => {
      const placed = await signedRequest(server, key, { query: PLACE, variables: { i: { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01' }, k: nextKey() } });
      const orderId: string = placed.json.data.placeOrder.order.id;
      const found = await signedRequest(server, key, { query: 'query($id: ID!) { order(id: $id) { id } }', variables: { id: orderId.toUpperCase() } });
      expect(found.json.data.order).toEqual({ id: orderId });
      const canceled = await signedRequest(server, key, { query: 'mutation($id: ID!) { cancelOrder(id: $id) { order { id status } userErrors { code } } }', variables: { id: orderId.toUpperCase() } });
      expect(canceled.json.data.cancelOrder).toEqual({ order: { id: orderId, status: 'CANCELED' }, userErrors: [] });
      const spare = await createTestKey(services, accountId, 'ed25519');
      const revoked = await signedRequest(server, key, { query: 'mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { id revokedAt } userErrors { code } } }', variables: { id: spare.keyId.toUpperCase() } });
      expect(revoked.json.data.revokeApiKey).toEqual({ apiKey: { id: spare.keyId, revokedAt: expect.any(String) }, userErrors: [] });
    });

    test('a retry that writes an id in another case is the same call: it replays (it was refused as KEY_REUSED)', async () => {
      const other = await fundedAccount(services, {}, 'retry-case');
      const k = nextKey();
      const first = await signedRequest(server, key, { query: TRANSFER, variables: { i: { toAccountId: other, asset: 'USD', amount: '3' }, k } });
      expect(first.json.data.createTransfer.userErrors).toEqual([]);
      const retry = await signedRequest(server, key, { query: TRANSFER, variables: { i: { toAccountId: other.toUpperCase(), asset: 'USD', amount: '3' }, k } });
      expect(retry.json.errors).toBeUndefined();
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.json.data.createTransfer.transfer).toEqual(first.json.data.createTransfer.transfer);
      expect((await balancesOf(services, other)).USD.available).toBe('3');
      // Another id under the same key is still another call.
      const elsewhere = await fundedAccount(services, {}, 'retry-case-2');
      const reused = await signedRequest(server, key, { query: TRANSFER, variables: { i: { toAccountId: elsewhere.toUpperCase(), asset: 'USD', amount: '3' }, k } });
      expect(reused.json.errors[0].extensions.code).toBe('IDEMPOTENCY_KEY_REUSED');

      const placed = await signedRequest(server, key, { query: PLACE, variables: { i: { market: 'BTC-USD', side: 'BUY', price: '100', quantity: '0.01' }, k: nextKey() } });
      const orderId: string = placed.json.data.placeOrder.order.id;
      const CANCEL = 'mutation($id: ID!, $k: String) { cancelOrder(id: $id) @idempotent(key: $k) { order { id status } userErrors { code } } }';
      const cancelKey = nextKey();
      const canceled = await signedRequest(server, key, { query: CANCEL, variables: { id: orderId.toUpperCase(), k: cancelKey } });
      expect(canceled.json.data.cancelOrder).toEqual({ order: { id: orderId, status: 'CANCELED' }, userErrors: [] });
      const again = await signedRequest(server, key, { query: CANCEL, variables: { id: orderId, k: cancelKey } });
      expect(again.json.errors).toBeUndefined();
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.json.data.cancelOrder).toEqual({ order: { id: orderId, status: 'CANCELED' }, userErrors: [] });
    });

    test('the domain itself refuses a memo or label the database could not store (INVALID_MEMO, INVALID_LABEL)', async () => {
      const other = await fundedAccount(services, {}, 'domain-memo');
      const transfer = await services.transfers.createTransfer(accountId, { toAccountId: other, asset: 'USD', amount: '1', memo: 'a\u0000b' });
      expect(transfer).toEqual({ ok: false, errors: [expect.objectContaining({ code: 'INVALID_MEMO', field: ['input', 'memo'] })] });
      const lone = await services.transfers.createTransfer(accountId, { toAccountId: other, asset: 'USD', amount: '1', memo: 'half \ud800 pair' });
      expect(lone.ok).toBe(false);
      const label = await services.apiKeys.createApiKey(accountId, { label: 'bot\u0000', scopes: ['READ'], algorithm: 'ed25519' });
      expect(label).toEqual({ ok: false, errors: [expect.objectContaining({ code: 'INVALID_LABEL', field: ['input', 'label'] })] });
      const emoji = await services.transfers.createTransfer(accountId, { toAccountId: other, asset: 'USD', amount: '1', memo: 'café ☕ 😀' });
      expect(emoji.ok && emoji.value.memo).toBe('café ☕ 😀');
    });

    test('the domain compares ids canonically: self-transfer, lookups and revocation in any case', async () => {
      const self = await services.transfers.createTransfer(accountId.toUpperCase(), { toAccountId: accountId, asset: 'USD', amount: '1' });
      expect(self).toEqual({ ok: false, errors: [expect.objectContaining({ code: 'SELF_TRANSFER' })] });
      expect((await services.accounts.findAccount(accountId.toUpperCase()))?.id).toBe(accountId);
      expect(await services.accounts.findAccount('not-an-id')).toBeNull();
      const spare = await createTestKey(services, accountId, 'hmac-sha256');
      expect(await services.apiKeys.revokeApiKey(accountId, 'key_nothex')).toEqual({ ok: false, errors: [expect.objectContaining({ code: 'API_KEY_NOT_FOUND' })] });
      const revoked = await services.apiKeys.revokeApiKey(accountId, spare.keyId.toUpperCase());
      expect(revoked.ok && revoked.value.id).toBe(spare.keyId);
    });

    test('malformed ids are refused as not found, never a server fault', async () => {
      const weird = ['', ' ', 'acc\u0000', 'x'.repeat(64), `${accountId} `];
      for (const id of weird) {
        const transfer = await signedRequest(server, key, { query: TRANSFER, variables: { i: { toAccountId: id, asset: 'USD', amount: '1' }, k: nextKey() } });
        expect(transfer.json.data.createTransfer.userErrors[0].code).toBe('ACCOUNT_NOT_FOUND');
        const order = await signedRequest(server, key, { query: 'query($id: ID!) { order(id: $id) { id } }', variables: { id } });
        expect(order.json).toEqual({ data: { order: null } });
      }
    });
  });
}
