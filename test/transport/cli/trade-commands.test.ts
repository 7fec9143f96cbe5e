/**
 * `signet balances | orders | order place | order cancel | transfer` against a real Signet server
 * in process (PGlite, memory stores), with credentials from a file or from the environment.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainServices } from '../../../src/domain';
import { progressReporter } from '../../../src/transport/cli/trade-client';
import { formatTable } from '../../../src/transport/cli/trade-commands';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { balancesOf, fundedAccount, servicesFor } from '../../helpers/domain';
import { createTestKey, memoryStores, startSignet, type RunningSignet } from '../../helpers/signet-server';
import { signet, type CliRun } from '../../helpers/cli';
import { freePort } from '../../helpers/ports';


function json(run: CliRun): any {
  if (run.code !== 0) throw new Error(`signet exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}


describe('signet trading commands', () => {
  let db: TestDatabase;
  let services: DomainServices;
  let server: RunningSignet;
  let dir: string;
  let aliceId: string;
  let bobId: string;
  let file: string;
  let flags: string[];
  let envCredentials: NodeJS.ProcessEnv;
  let signingKeyId: string;

  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver);
    server = await startSignet(services, memoryStores());
    aliceId = await fundedAccount(services, { USD: '1000', BTC: '1', ETH: '1' }, 'alice');
    bobId = await fundedAccount(services, {}, 'bob');
    const ed = await createTestKey(services, aliceId, 'ed25519');
    signingKeyId = ed.keyId;
    const hmac = await createTestKey(services, aliceId, 'hmac-sha256', ['READ']);
    // Bob's key: refusals that count against an account's limits (10 transfers a minute) without spending alice's.
    const bobKey = await createTestKey(services, bobId, 'ed25519');
    dir = mkdtempSync(join(tmpdir(), 'signet-trade-'));
    file = join(dir, 'creds.json');
    const privateKey = ed.privateKey!.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    writeFileSync(file, JSON.stringify({ credentials: [
      { name: 'alice', keyId: ed.keyId, algorithm: 'ed25519', privateKey },
      { name: 'alice-read', keyId: hmac.keyId, algorithm: 'hmac-sha256', secret: hmac.secret!.toString('base64') },
      { name: 'bob', keyId: bobKey.keyId, algorithm: 'ed25519', privateKey: bobKey.privateKey!.export({ format: 'der', type: 'pkcs8' }).toString('base64') },
    ] }));
    flags = ['--credentials', file, '--as', 'alice', '--url', server.url];
    envCredentials = { SIGNET_URL: server.url, SIGNET_KEY_ID: ed.keyId, SIGNET_PRIVATE_KEY: privateKey };
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('balances prints a table by default and JSON with --json', async () => {
    const table = await signet({}, 'balances', ...flags);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ASSET\s+AVAILABLE\s+HELD\n/);
    expect(table.stdout).toMatch(/^USD\s+1000\s+0$/m);
    expect(json(await signet({}, 'balances', ...flags, '--json'))).toEqual({ account: aliceId, balances: expect.arrayContaining([{ asset: 'BTC', available: '1', held: '0' }]) });
  });

  test('credentials come from SIGNET_URL / SIGNET_KEY_ID / SIGNET_PRIVATE_KEY, or an hmac key via --as', async () => {
    expect(json(await signet(envCredentials, 'balances', '--json')).account).toBe(aliceId);
    expect(json(await signet({}, 'balances', '--credentials', file, '--as', 'alice-read', '--url', server.url, '--json')).account).toBe(aliceId);
  });

  test('order place, orders --status OPEN, order cancel: the whole life of an order', async () => {
    const placed = await signet({}, 'order', 'place', '--market', 'btc-usd', '--side', 'buy', '--price', '30000', '--quantity', '0.01', ...flags);
    expect(placed.code).toBe(0);
    const id = /^order\s+(\S+)$/m.exec(placed.stdout)?.[1] as string;
    expect(placed.stdout).toMatch(/^held\s+300 USD \(300 USD at placement\)$/m);
    expect(placed.stdout).toMatch(/^idempotency key\s+[0-9a-f-]{36}$/m);

    const open = await signet({}, 'orders', '--status', 'OPEN', ...flags);
    expect(open.stdout).toMatch(/^ID\s+MARKET\s+SIDE\s+PRICE\s+QUANTITY\s+STATUS\s+CREATED\n/);
    expect(open.stdout).toContain(id);
    expect((await balancesOf(services, aliceId)).USD).toEqual({ available: '700', held: '300' });

    const cancelled = json(await signet({}, 'order', 'cancel', id, ...flags, '--json'));
    expect(cancelled.order).toMatchObject({ id, status: 'CANCELED' });
    expect(json(await signet({}, 'orders', '--status', 'OPEN', ...flags, '--json')).orders).toEqual([]);
    expect((await balancesOf(services, aliceId)).USD).toEqual({ available: '1000', held: '0' });
  });

  test('the same --idempotency-key twice places one order; the second run says it was replayed', async () => {
    const args = ['order', 'place', '--market', 'ETH-USD', '--side', 'SELL', '--price', '2000', '--quantity', '0.5', '--idempotency-key', 'cli-retry-1', ...flags];
    const first = json(await signet({}, ...args, '--json'));
    const again = await signet({}, ...args);
    expect(first).toMatchObject({ replayed: false, idempotencyKey: 'cli-retry-1' });
    expect(again.stdout).toContain(first.order.id);
    expect(again.stdout).toMatch(/^replayed\s+yes/m);
    await signet({}, 'order', 'cancel', first.order.id, ...flags);
  });

  test('a MARKET order fills against the book; fills, book and order cancel-all show the result', async () => {
    const maker = await fundedAccount(services, { BTC: '1' }, 'cli-maker');
    const resting = await services.orders.placeOrder(maker, { market: 'BTC-USD', side: 'SELL', type: 'LIMIT', price: '20000', quantity: '0.01' });
    expect(resting.ok).toBe(true);
    const book = await signet({}, 'book', 'btc-usd', ...flags);
    expect(book.stdout).toMatch(/^BTC-USD\s+sequence \d+\s+last trade (\d+|none)$/m);
    expect(book.stdout).toMatch(/\s20000\s+0\.01\s+1$/m);

    const placed = await signet({}, 'order', 'place', '--market', 'BTC-USD', '--side', 'BUY', '--type', 'market', '--quantity', '0.004', ...flags);
    expect(placed.code).toBe(0);
    expect(placed.stdout).toMatch(/^status\s+FILLED$/m);
    expect(placed.stdout).toMatch(/^average price\s+20000$/m);
    expect(placed.stdout).toMatch(/^fills\s+1$/m);
    // What is still held, which the balance shows: nothing, once filled (the hold at placement beside it).
    expect(placed.stdout).toMatch(/^held\s+0 USD \(80 USD at placement\)$/m);
    expect(placed.stdout).not.toMatch(/^hold\s/m);
    const fills = json(await signet({}, 'fills', '--market', 'btc-usd', ...flags, '--json')).fills;
    expect(fills[0]).toMatchObject({ side: 'BUY', price: '20000', quantity: '0.004', quoteAmount: '80', liquidity: 'TAKER', fee: '0.000008', feeAsset: 'BTC' });
    // The book now names that trade (the taker's fill) as the last it reflects.
    expect((await signet({}, 'book', 'btc-usd', ...flags)).stdout).toMatch(new RegExp(`^BTC-USD\\s+sequence \\d+\\s+last trade ${fills[0].sequence}$`, 'm'));
    // The table shows what changed hands in the quote asset (QUOTE), the figure to check proceeds with.
    const table = (await signet({}, 'fills', '--market', 'btc-usd', ...flags)).stdout;
    expect(table).toMatch(/^ORDER\s+MARKET\s+SIDE\s+PRICE\s+QUANTITY\s+QUOTE\s+FEE\s+LIQUIDITY\s+TIME$/m);
    expect(table).toMatch(/\sBUY\s+20000\s+0\.004\s+80\s+0\.000008 BTC\s+TAKER\s/);

    const quoted = json(await signet({}, 'order', 'place', '--market', 'BTC-USD', '--side', 'BUY', '--price', '10000', '--quantity', '0.01', '--post-only', ...flags, '--json'));
    expect(quoted.order).toMatchObject({ status: 'OPEN', postOnly: true });
    expect(json(await signet({}, 'orders', '--live', ...flags, '--json')).orders.map((o: { id: string }) => o.id)).toContain(quoted.order.id);
    const canceled = json(await signet({}, 'order', 'cancel-all', '--market', 'BTC-USD', ...flags, '--json'));
    expect(canceled.orders.map((o: { id: string }) => o.id)).toEqual([quoted.order.id]);
    expect(json(await signet({}, 'orders', '--live', ...flags, '--json')).orders).toEqual([]);
    expect(await services.uow.repo.reconcile()).toMatchObject({ balanceMismatches: [], heldMismatches: [], orderMismatches: [] });
  });

  test('order cancel-all --placed-by cancels only the orders that key placed, orders --placed-by lists them; a key that is not the account\'s cancels and lists nothing', async () => {
    const byKey = json(await signet({}, 'order', 'place', '--market', 'ETH-USD', '--side', 'BUY', '--price', '100', '--quantity', '0.01', ...flags, '--json')).order;
    expect(byKey.apiKeyId).toBe(signingKeyId);
    const byOperator = await services.orders.placeOrder(aliceId, { market: 'ETH-USD', side: 'BUY', type: 'LIMIT', price: '100', quantity: '0.01' });
    expect(byOperator.ok).toBe(true);

    const unknown = await signet({}, 'order', 'cancel-all', '--placed-by', 'key_000000000000000000000000', ...flags);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('API_KEY_NOT_FOUND');
    const canceled = json(await signet({}, 'order', 'cancel-all', '--placed-by', signingKeyId.toUpperCase(), ...flags, '--json'));
    expect(canceled.orders.map((o: { id: string; canceledByApiKeyId: string }) => [o.id, o.canceledByApiKeyId])).toEqual([[byKey.id, signingKeyId]]);
    const live = json(await signet({}, 'orders', '--live', ...flags, '--json')).orders.map((o: { id: string }) => o.id);
    expect(live).toEqual([byOperator.ok && byOperator.value.id]);
    // orders --placed-by lists what that key did, newest first; the page hint keeps the filters.
    const newer = json(await signet({}, 'order', 'place', '--market', 'ETH-USD', '--side', 'BUY', '--price', '99', '--quantity', '0.01', ...flags, '--json')).order;
    expect((await services.orders.cancelOrder(aliceId, newer.id)).ok).toBe(true);
    const listed = json(await signet({}, 'orders', '--placed-by', signingKeyId, '--status', 'CANCELED', '--first', '1', ...flags, '--json'));
    expect(listed.orders.map((o: { id: string; apiKeyId: string }) => [o.id, o.apiKeyId])).toEqual([[newer.id, signingKeyId]]);
    expect(listed.pageInfo.hasNextPage).toBe(true);
    const human = await signet({}, 'orders', '--placed-by', signingKeyId, '--status', 'CANCELED', '--first', '1', ...flags);
    expect(human.stdout).toContain(newer.id);
    expect(human.stderr).toContain(`more: --after ${listed.pageInfo.endCursor} --status CANCELED --placed-by ${signingKeyId}\n`);
    const next = json(await signet({}, 'orders', '--after', listed.pageInfo.endCursor, '--status', 'CANCELED', '--placed-by', signingKeyId, '--first', '1', ...flags, '--json'));
    expect(next.orders.map((o: { id: string }) => o.id)).toEqual([byKey.id]);
    const notOurs = await signet({}, 'orders', '--placed-by', 'key_000000000000000000000000', ...flags);
    expect(notOurs.code).not.toBe(0);
    expect(notOurs.stderr).toContain('API_KEY_NOT_FOUND');
    await services.orders.cancelAllOrders(aliceId, null);
  });

  test('transfer sends funds with a memo', async () => {
    const sent = json(await signet({}, 'transfer', '--to', bobId, '--asset', 'usd', '--amount', '10', '--memo', 'lunch', ...flags, '--json'));
    expect(sent.transfer).toMatchObject({ toAccountId: bobId, asset: 'USD', amount: '10', memo: 'lunch' });
    expect((await balancesOf(services, bobId)).USD.available).toBe('10');
  });

  test('the plain-text outcome of a placement and a transfer names the client id given (as --json does)', async () => {
    const placed = await signet({}, 'order', 'place', '--market', 'BTC-USD', '--side', 'BUY', '--price', '1', '--quantity', '0.01', '--client-order-id', 'bot-7-order-1', ...flags);
    expect(placed.code).toBe(0);
    expect(placed.stdout).toMatch(/^client order id\s+bot-7-order-1$/m);
    const sent = await signet({}, 'transfer', '--to', bobId, '--asset', 'USD', '--amount', '1', '--client-transfer-id', 'invoice-78', ...flags);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^client transfer id\s+invoice-78$/m);
    // Without one, no empty line for it.
    const plain = await signet({}, 'transfer', '--to', bobId, '--asset', 'USD', '--amount', '1', ...flags);
    expect(plain.stdout).not.toMatch(/client transfer id/);
  });

  test('transfer --client-transfer-id: run again (a new idempotency key), it is refused naming the first transfer, and the funds move once', async () => {
    const before = Number((await balancesOf(services, bobId)).USD.available);
    const sent = json(await signet({}, 'transfer', '--to', bobId, '--asset', 'USD', '--amount', '3', '--client-transfer-id', 'invoice-77', ...flags, '--json'));
    expect(sent.transfer).toMatchObject({ toAccountId: bobId, amount: '3', clientTransferId: 'invoice-77' });
    const again = await signet({}, 'transfer', '--to', bobId, '--asset', 'USD', '--amount', '3', '--client-transfer-id', 'invoice-77', ...flags);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`^signet: DUPLICATE_CLIENT_TRANSFER_ID: .*${sent.transfer.id}`, 'm'));
    expect(Number((await balancesOf(services, bobId)).USD.available)).toBe(before + 3);
  });

  test.each([
    ['a business error prints its code', ['order', 'place', '--market', 'BTC-USD', '--side', 'BUY', '--price', '30000', '--quantity', '90'], 1, /^signet: INSUFFICIENT_FUNDS: /m],
    ['an unknown market', ['order', 'place', '--market', 'DOGE-USD', '--side', 'BUY', '--price', '1', '--quantity', '1'], 1, /UNKNOWN_MARKET: /],
    ['cancelling an order that does not exist', ['order', 'cancel', '00000000-0000-4000-8000-0000000000ff'], 1, /ORDER_NOT_FOUND: /],
    ['a bad --side', ['order', 'place', '--market', 'BTC-USD', '--side', 'HOLD', '--price', '1', '--quantity', '1'], 2, /--side must be one of BUY, SELL/],
    ['a bad --first', ['orders', '--first', '500'], 2, /--first must be an integer/],
    ['a bad --time-in-force', ['order', 'place', '--market', 'BTC-USD', '--side', 'BUY', '--price', '1', '--quantity', '1', '--time-in-force', 'DAY'], 2, /--time-in-force must be one of GTC, IOC, FOK/],
    // A value the server refuses for its form is a bad argument too (exit 2), as in the admin commands.
    ['a MARKET order with a price', ['order', 'place', '--market', 'BTC-USD', '--side', 'BUY', '--type', 'MARKET', '--price', '1', '--quantity', '0.01'], 2, /INVALID_PRICE: /],
    ['an amount with too many decimals', ['transfer', '--to', '00000000-0000-4000-8000-0000000000ff', '--asset', 'USD', '--amount', '1.001'], 2, /INVALID_AMOUNT: /],
  ])('%s exits non-zero', async (_name, args, code, message) => {
    const run = await signet({}, ...args, ...flags);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  test('no credentials, or a malformed SIGNET_PRIVATE_KEY, is a usage error that says what to set', async () => {
    const none = await signet({}, 'balances', '--url', server.url);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/SIGNET_KEY_ID/);
    const bad = await signet({ ...envCredentials, SIGNET_PRIVATE_KEY: 'not base64!' }, 'balances');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/SIGNET_PRIVATE_KEY must be/);
    expect(bad.stderr).not.toContain('not base64!');
  });

  test('book is public market data: it answers with no credentials, unsigned', async () => {
    const maker = await fundedAccount(services, { ETH: '1' }, 'cli-public-maker');
    expect((await services.orders.placeOrder(maker, { market: 'ETH-USD', side: 'SELL', type: 'LIMIT', price: '2100', quantity: '0.5' })).ok).toBe(true);
    const run = await signet({}, 'book', 'ETH-USD', '--url', server.url, '--json');
    expect(run.stderr).toBe('');
    expect(json(run)).toMatchObject({ market: 'ETH-USD', asks: [{ price: '2100', quantity: '0.5', orderCount: 1 }] });
    // It needs no key, so it reads none from the environment: a bad one set for the other commands cannot stop it.
    const badKey = await signet({ SIGNET_KEY_ID: signingKeyId, SIGNET_PRIVATE_KEY: 'garbage' }, 'book', 'ETH-USD', '--url', server.url, '--json');
    expect(badKey.stderr).toBe('');
    expect(json(badKey)).toMatchObject({ market: 'ETH-USD' });
  });

  test('call signs for SIGNET_URL like the other client commands, and says which server it cannot reach', async () => {
    const me = await signet({ SIGNET_URL: server.url }, 'call', '--credentials', file, '--as', 'alice', '--query', '{ me { id } }');
    expect(me.stderr).toBe('');
    expect(JSON.parse(me.stdout)).toEqual({ data: { me: { id: aliceId } } });
    const url = `http://127.0.0.1:${await freePort()}`;
    const down = await signet({}, 'call', '--credentials', file, '--as', 'alice', '--url', url, '--query', '{ me { name } }');
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(`signet: cannot reach ${url}: connect ECONNREFUSED ${url.slice('http://'.length)}\n`);
    expect(down.stdout).toBe('');
  });

  test('call takes its key from SIGNET_KEY_ID / SIGNET_PRIVATE_KEY as the other commands do, and sends a public query unsigned without one', async () => {
    const me = await signet(envCredentials, 'call', '--query', '{ me { id } }');
    expect(me.stderr).toBe('');
    expect(JSON.parse(me.stdout)).toEqual({ data: { me: { id: aliceId } } });
    const book = await signet({ SIGNET_URL: server.url }, 'call', '--query', '{ orderBook(market: "BTC-USD") { market } }');
    expect(book.stderr).toBe('');
    expect(JSON.parse(book.stdout)).toEqual({ data: { orderBook: { market: 'BTC-USD' } } });
    // A query that needs a key, sent without one, is the server's refusal.
    expect(await signet({ SIGNET_URL: server.url }, 'call', '--query', '{ me { id } }')).toMatchObject({ code: 1, stderr: expect.stringMatching(/^signet: UNAUTHENTICATED/) });
    // A key the configuration refuses is reported as such, not as a bad option.
    const garbage = await signet({ ...envCredentials, SIGNET_PRIVATE_KEY: 'garbage' }, 'balances', '--json');
    expect(garbage.code).toBe(2);
    expect(JSON.parse(garbage.stdout).error).toEqual({ code: 'CONFIG_ERROR', message: expect.stringContaining('SIGNET_PRIVATE_KEY must be') });
  });

  test.each([
    ['order place --client-order-id with a space', ['order', 'place', '--market', 'BTC-USD', '--side', 'BUY', '--price', '1', '--quantity', '0.01', '--client-order-id', 'a b'], 'clientOrderId', /clientOrderId must match/],
    ['transfer --memo of 141 characters', ['transfer', '--to', '00000000-0000-4000-8000-0000000000ff', '--asset', 'USD', '--amount', '1', '--memo', 'm'.repeat(141)], 'memo', /140/],
    ['transfer --memo with a control character', ['transfer', '--to', '00000000-0000-4000-8000-0000000000ff', '--asset', 'USD', '--amount', '1', '--memo', 'a\u0007b'], 'memo', /control/],
  ])('a refused argument (%s) is named with why, on stderr and under error.fields with --json', async (_name, args, field, why) => {
    const bob = ['--credentials', file, '--as', 'bob', '--url', server.url];
    const run = await signet({}, ...args, ...bob);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^signet: BAD_USER_INPUT: Argument Validation Error: ${field}: `, 'm'));
    expect(run.stderr.split('\n')[0]).toMatch(why);
    const asJson = await signet({}, ...args, ...bob, '--json');
    expect(asJson.code).toBe(2);
    const { error } = JSON.parse(asJson.stdout);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', outcome: 'refused', fields: [{ field, messages: [expect.stringMatching(why)] }] });
    expect(error.message).toBe(run.stderr.split('\n')[0].slice('signet: '.length));
  });

  test('call names a refused argument too, and with --json carries it beside the server\'s answer', async () => {
    const query = 'mutation ($memo: String) { createTransfer(input: { toAccountId: "00000000-0000-4000-8000-0000000000ff", asset: USD, amount: "1", memo: $memo }) @idempotent(key: "call-fields-1") { transfer { id } } }';
    const args = ['call', '--credentials', file, '--as', 'bob', '--url', server.url, '--query', query, '--variables', JSON.stringify({ memo: 'm'.repeat(141) })];
    const run = await signet({}, ...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^signet: BAD_USER_INPUT: Argument Validation Error: memo: .*140/m);
    const { error, response } = JSON.parse((await signet({}, ...args, '--json')).stdout);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'memo', messages: [expect.stringMatching(/140/)] }] });
    expect(response.errors[0].extensions.fields).toEqual(error.fields);
  });

  test('call exits non-zero on a refusal (GraphQL errors, userErrors, a non-2xx status) and names its codes on stderr', async () => {
    const as = (name: string) => ['call', '--credentials', file, '--as', name, '--url', server.url];
    const place = (quantity: string, key: string) =>
      `mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "30000", quantity: "${quantity}" }) @idempotent(key: "${key}") { order { id } userErrors { code message } } }`;

    const forbidden = await signet({}, ...as('alice-read'), '--query', 'mutation { cancelAllOrders { orders { id } } }');
    expect(forbidden).toMatchObject({ code: 1, stderr: expect.stringMatching(/^signet: FORBIDDEN: /) });
    expect(JSON.parse(forbidden.stdout).errors[0].extensions.code).toBe('FORBIDDEN');

    const invalid = await signet({}, ...as('alice'), '--query', '{ me { nope } }');
    expect(invalid).toMatchObject({ code: 1, stderr: expect.stringMatching(/^signet: GRAPHQL_VALIDATION_FAILED: /) });

    // A business refusal in userErrors is a refusal like any other: exit 1 (2 when it refuses a value's form).
    const refused = await signet({}, ...as('alice'), '--query', place('90', 'call-refused-1'));
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/^signet: INSUFFICIENT_FUNDS: /) });
    expect(JSON.parse(refused.stdout).data.placeOrder.userErrors[0].code).toBe('INSUFFICIENT_FUNDS');
    const badForm = await signet({}, ...as('alice'), '--query', place('0.0000000001', 'call-refused-2'));
    expect(badForm).toMatchObject({ code: 2, stderr: expect.stringMatching(/^signet: INVALID_QUANTITY: /) });
  });

  test('a key the server does not know fails with UNAUTHENTICATED and its reason', async () => {
    const run = await signet({ ...envCredentials, SIGNET_KEY_ID: 'key_000000000000000000000000' }, 'balances');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/UNAUTHENTICATED \(SIGNATURE_INVALID\): /);
  });

  test('waits between retries show progress on a terminal, then the network error is reported', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    try {
      const run = await signet({ ...envCredentials, SIGNET_URL: url }, 'balances');
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/retrying in \d+\.\d s \(attempt 2 of 5\)/);
      // Which server, and why: not Node's bare "fetch failed".
      expect(run.stderr).toContain(`NETWORK_ERROR: request to ${url} failed: fetch failed (connect ECONNREFUSED ${url.slice('http://'.length)})`);
    } finally {
      if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
    }
  }, 30_000);

  test('--timeout bounds each attempt: a server that never answers is a NETWORK_ERROR naming the limit', async () => {
    const sockets = new Set<Socket>();
    const silent = createNetServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const run = await signet({ ...envCredentials, SIGNET_URL: url }, 'balances', '--timeout', '200');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`NETWORK_ERROR: request to ${url} failed: no answer within 200 ms`);
      const bad = await signet({ ...envCredentials, SIGNET_URL: url }, 'balances', '--timeout', 'soon');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--timeout must be a whole number of milliseconds, 0 for no limit (got "soon")');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  }, 30_000);

  test('progress stays off stderr when it is not a terminal (scripts)', () => {
    const write = jest.fn();
    progressReporter({ isTTY: false, write } as unknown as NodeJS.WriteStream)({ attempt: 1, maxAttempts: 5, delayMs: 100, reason: 'SERVICE_UNAVAILABLE' });
    expect(write).not.toHaveBeenCalled();
  });

  test('formatTable aligns columns', () => {
    expect(formatTable(['A', 'LONGER'], [['xyz', '1'], ['q', '22']])).toBe('A    LONGER\nxyz  1\nq    22\n');
  });
});
