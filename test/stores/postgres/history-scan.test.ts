/**
 * A filtered listing of an account's history reads a bounded number of its rows per page
 * (history-scan.ts). Read-cost review (high): a filter that matched little among a long history (a
 * READ key's own id, a market never traded) read the whole history on every call. A page that
 * stopped reading early says so (hasNextPage, continueBeforeSeq) and may hold fewer items, even
 * none; paging on finds every match once, in order, as an unbounded read would.
 */
import { ALL_SCOPES, actingAs, type DomainServices, type Page, type TradingRepository } from '../../../src/domain';
import { createSqlStores } from '../../../src/stores/postgres';
import { openPgliteDatabase, openPostgresDatabase, type TestDatabase } from '../../helpers/database';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { describeWithPostgres } from '../../helpers/services';

const SCAN_ROWS = 4;

/** Every item of a listing, page after page, with each page's size and whether it was cut short. */
async function walk<T>(list: (beforeSeq: number | undefined) => Promise<Page<T>>, position: (item: T) => number) {
  const items: T[] = [];
  const pages: Array<{ items: number; cut: boolean }> = [];
  let beforeSeq: number | undefined;
  for (let n = 0; n < 50; n += 1) {
    const page = await list(beforeSeq);
    items.push(...page.items);
    pages.push({ items: page.items.length, cut: page.continueBeforeSeq !== undefined });
    if (!page.hasNextPage) return { items, pages };
    beforeSeq = page.continueBeforeSeq ?? position(page.items[page.items.length - 1]);
  }
  throw new Error('the listing never ended');
}

function examples(open: () => Promise<TestDatabase>) {
  let db: TestDatabase;
  let services: DomainServices;
  let repo: TradingRepository;
  beforeAll(async () => {
    db = await open();
    services = servicesFor(db.driver);
    repo = createSqlStores(db.driver, { historyScanRows: SCAN_ROWS }).uow.repo;
  }, 60_000);
  afterAll(async () => db?.close());

  const order = (market: string) => ({ market, side: 'BUY' as const, type: 'LIMIT' as const, price: '10', quantity: '0.01' });
  async function keyOf(accountId: string): Promise<string> {
    const created = await services.apiKeys.createApiKey(accountId, { label: 'scan', scopes: ALL_SCOPES, algorithm: 'ed25519' });
    if (!created.ok) throw new Error(JSON.stringify(created.errors));
    return created.value.apiKey.id;
  }

  test('orders by market, status or key: at most the bound read per page; the pages together hold every match once, newest first', async () => {
    const account = await fundedAccount(services, { USD: '100000' }, 'scan-orders');
    const bot = await keyOf(account);
    const rare = await keyOf(account);
    const placed: string[] = [];
    const place = async (market: string, key: string | null) => {
      const result = key ? await actingAs(key, () => services.orders.placeOrder(account, order(market), key)) : await services.orders.placeOrder(account, order(market));
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      placed.push(result.value.id);
      return result.value.id;
    };
    const oldestEth = await place('ETH-USD', rare);
    for (let i = 0; i < 9; i += 1) await place('BTC-USD', bot);
    const canceled = placed[3];
    expect((await actingAs(rare, () => services.orders.cancelOrder(account, canceled, rare))).ok).toBe(true);

    // The only ETH-USD order is the oldest of ten: the first page read four rows, found none, and says where to go on.
    const first = await repo.listOrders(account, { limit: 5, market: 'ETH-USD' });
    expect(first).toEqual({ items: [], hasNextPage: true, continueBeforeSeq: expect.any(Number) });
    const byMarket = await walk((beforeSeq) => repo.listOrders(account, { limit: 5, market: 'ETH-USD', beforeSeq }), (o) => o.seq);
    expect(byMarket.items.map((o) => o.id)).toEqual([oldestEth]);
    expect(byMarket.pages).toEqual([{ items: 0, cut: true }, { items: 0, cut: true }, { items: 1, cut: false }]);

    const byStatus = await walk((beforeSeq) => repo.listOrders(account, { limit: 5, status: 'CANCELED', beforeSeq }), (o) => o.seq);
    expect(byStatus.items.map((o) => o.id)).toEqual([canceled]);
    // What a key did: the order it placed and the one it canceled, newest first.
    const byKey = await walk((beforeSeq) => repo.listOrders(account, { limit: 5, byApiKeyId: rare, beforeSeq }), (o) => o.seq);
    expect(byKey.items.map((o) => o.id)).toEqual([canceled, oldestEth]);
    // A filter that matches more than a page fills it from within the bound, cursor on its last item.
    const byBot = await walk((beforeSeq) => repo.listOrders(account, { limit: 2, byApiKeyId: bot, beforeSeq }), (o) => o.seq);
    expect(byBot.items.map((o) => o.id)).toEqual(placed.slice(1).reverse());
    // Live orders and the unfiltered listing are read from their indexes: never cut short.
    const live = await repo.listOrders(account, { limit: 20, live: true, market: 'BTC-USD' });
    expect([live.items.length, live.continueBeforeSeq]).toEqual([8, undefined]);
    const all = await repo.listOrders(account, { limit: 20 });
    expect(all.items.map((o) => o.id)).toEqual([...placed].reverse());
  });

  test('an order placed while a page is read never makes the next page repeat it: one snapshot per page (diff review)', async () => {
    const account = await fundedAccount(services, { USD: '100000' }, 'scan-concurrent');
    const placed: string[] = [];
    const place = async () => {
      const result = await services.orders.placeOrder(account, order('BTC-USD'));
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      placed.push(result.value.id);
    };
    for (let i = 0; i < 10; i += 1) await place();
    for (const id of [placed[1], placed[6]]) expect((await services.orders.cancelOrder(account, id)).ok).toBe(true);
    // Every statement of the listing is followed by a placement of the account, before the next one.
    let placing = false;
    const driver = new Proxy(db.driver, {
      get(target, property, receiver) {
        if (property !== 'query') return Reflect.get(target, property, receiver);
        return async (...args: Parameters<typeof target.query>) => {
          const rows = await target.query(...args);
          if (placing) await place();
          return rows;
        };
      },
    });
    const listing = createSqlStores(driver, { historyScanRows: SCAN_ROWS }).uow.repo;
    placing = true;
    const canceled = await walk((beforeSeq) => listing.listOrders(account, { limit: 5, status: 'CANCELED', beforeSeq }), (o) => o.seq);
    placing = false;
    expect(canceled.items.map((o) => o.id)).toEqual([placed[6], placed[1]]);
  });

  test('fills of one market: bounded the same way', async () => {
    const buyer = await fundedAccount(services, { USD: '100000' }, 'scan-fills');
    const seller = await fundedAccount(services, { BTC: '10', ETH: '10' }, 'scan-fills-seller');
    const trade = async (market: string) => {
      // Above the other tests' resting bids (10), so the two trade with each other only.
      const rest = await services.orders.placeOrder(seller, { market, side: 'SELL', type: 'LIMIT', price: '20', quantity: '0.01' });
      const take = await services.orders.placeOrder(buyer, { ...order(market), price: '20' });
      if (!rest.ok || !take.ok || take.value.status !== 'FILLED') throw new Error(`no trade: ${JSON.stringify([rest, take])}`);
    };
    await trade('ETH-USD');
    for (let i = 0; i < 5; i += 1) await trade('BTC-USD');
    const first = await repo.listFills({ accountId: buyer, limit: 5, market: 'ETH-USD' });
    expect(first).toEqual({ items: [], hasNextPage: true, continueBeforeSeq: expect.any(Number) });
    const eth = await walk((beforeSeq) => repo.listFills({ accountId: buyer, limit: 5, market: 'ETH-USD', beforeSeq }), (f) => f.sequence);
    expect(eth.items.map((f) => f.market)).toEqual(['ETH-USD']);
    expect((await repo.listFills({ accountId: buyer, limit: 10 })).items).toHaveLength(6);
  });

  test('transfers one key sent: bounded the same way; unfiltered, sent and received merge newest first', async () => {
    const account = await fundedAccount(services, { USD: '1000' }, 'scan-transfers');
    const peer = await fundedAccount(services, { USD: '1000' }, 'scan-peer');
    const bot = await keyOf(account);
    const rare = await keyOf(account);
    const ids: string[] = [];
    const send = async (from: string, to: string, key: string) => {
      const sent = await actingAs(key, () => services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '1' }, key));
      if (!sent.ok) throw new Error(JSON.stringify(sent.errors));
      ids.push(sent.value.id);
      return sent.value.id;
    };
    const peerKey = await keyOf(peer);
    const byRare = await send(account, peer, rare);
    for (let i = 0; i < 10; i += 1) await send(i % 2 === 0 ? account : peer, i % 2 === 0 ? peer : account, i % 2 === 0 ? bot : peerKey);
    const sentByRare = await walk((beforeSeq) => repo.listTransfers(account, { limit: 5, sentByApiKeyId: rare, beforeSeq }), (t) => t.seq);
    expect(sentByRare.items.map((t) => t.id)).toEqual([byRare]);
    expect(sentByRare.pages[0]).toEqual({ items: 0, cut: true });
    const both = await walk((beforeSeq) => repo.listTransfers(account, { limit: 3, beforeSeq }), (t) => t.seq);
    expect(both.items.map((t) => t.id)).toEqual([...ids].reverse());
    expect(both.pages.every((p) => !p.cut)).toBe(true);
  });
}

describe('bounded history listings (PGlite)', () => examples(openPgliteDatabase));
describeWithPostgres('bounded history listings (PostgreSQL)', (url) => examples(() => openPostgresDatabase(url)));
