import type { DomainServices } from '../../../src/domain';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { fundedAccount, servicesFor } from '../../helpers/domain';
import { createTestGraphQL, principalFor, type TestGraphQL } from '../../helpers/graphql';

interface Page {
  edges: Array<{ cursor: string; node: { id: string } }>;
  nodes: Array<{ id: string }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const ORDERS = `query ($first: Int, $after: String) { me { orders(first: $first, after: $after) {
  edges { cursor node { id } } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;
const TRANSFERS = `query ($first: Int, $after: String) { me { transfers(first: $first, after: $after) {
  edges { cursor node { id } } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;

describe('Relay connections: edges beside nodes, complete pageInfo', () => {
  let db: TestDatabase;
  let services: DomainServices;
  let api: TestGraphQL;
  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver);
    api = await createTestGraphQL(services);
  });
  afterAll(async () => {
    await api?.stop();
    await db?.close();
  });

  async function page(query: string, field: 'orders' | 'transfers', accountId: string, first: number, after?: string | null): Promise<Page> {
    const result = await api.execute(query, { first, after }, principalFor(accountId));
    expect(result.errors).toBeUndefined();
    return (result.data as { me: Record<string, Page> }).me[field];
  }

  /** Places `count` orders and returns their ids, newest first (the listing order). */
  async function placeOrders(accountId: string, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const placed = await services.orders.placeOrder(accountId, { market: 'BTC-USD', side: 'BUY', type: 'LIMIT', price: '100', quantity: '0.01' });
      if (!placed.ok) throw new Error(JSON.stringify(placed.errors));
      ids.unshift(placed.value.id);
    }
    return ids;
  }

  /** The invariants of every page: edges and nodes agree, and the page cursors are its edges' cursors. */
  function expectConsistent(p: Page): void {
    expect(p.edges.map((e) => e.node.id)).toEqual(p.nodes.map((n) => n.id));
    expect(p.pageInfo.startCursor).toBe(p.edges[0]?.cursor ?? null);
    expect(p.pageInfo.endCursor).toBe(p.edges[p.edges.length - 1]?.cursor ?? null);
    expect(p.pageInfo.hasPreviousPage).toBe(false);
  }

  test('first, middle and last pages of orders: edges in listing order, cursors chain, hasNextPage false at the end', async () => {
    const id = await fundedAccount(services, { USD: '100' }, 'pages');
    const ids = await placeOrders(id, 5);

    const first = await page(ORDERS, 'orders', id, 2);
    expectConsistent(first);
    expect(first.nodes.map((n) => n.id)).toEqual(ids.slice(0, 2));
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect(first.pageInfo.startCursor).not.toBe(first.pageInfo.endCursor);

    const middle = await page(ORDERS, 'orders', id, 2, first.pageInfo.endCursor);
    expectConsistent(middle);
    expect(middle.nodes.map((n) => n.id)).toEqual(ids.slice(2, 4));
    expect(middle.pageInfo.hasNextPage).toBe(true);

    const last = await page(ORDERS, 'orders', id, 2, middle.pageInfo.endCursor);
    expectConsistent(last);
    expect(last.nodes.map((n) => n.id)).toEqual(ids.slice(4));
    expect(last.pageInfo.hasNextPage).toBe(false);
    expect(last.pageInfo.startCursor).toBe(last.pageInfo.endCursor);

    const beyond = await page(ORDERS, 'orders', id, 2, last.pageInfo.endCursor);
    expect(beyond).toEqual({ edges: [], nodes: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } });
  });

  test('any edge cursor is an `after` cursor: the next page starts right after that edge', async () => {
    const id = await fundedAccount(services, { USD: '100' }, 'edge-cursor');
    const ids = await placeOrders(id, 4);
    const all = await page(ORDERS, 'orders', id, 4);
    const fromSecond = await page(ORDERS, 'orders', id, 10, all.edges[1].cursor);
    expect(fromSecond.nodes.map((n) => n.id)).toEqual(ids.slice(2));
    expect(fromSecond.edges[0].cursor).toBe(all.edges[2].cursor);
  });

  test('an account with no orders or transfers gets empty connections with null cursors', async () => {
    const id = await fundedAccount(services, {}, 'empty');
    const empty = { edges: [], nodes: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } };
    expect(await page(ORDERS, 'orders', id, 20)).toEqual(empty);
    expect(await page(TRANSFERS, 'transfers', id, 20)).toEqual(empty);
  });

  test('a cursor of another list is refused, naming both lists; one issued before cursors named their list still pages', async () => {
    const a = await fundedAccount(services, { USD: '100' }, 'mixed-cursors');
    const b = await fundedAccount(services, { USD: '100' }, 'mixed-cursors-payee');
    const ids = await placeOrders(a, 3);
    const done = await services.transfers.createTransfer(a, { toAccountId: b, asset: 'USD', amount: '1' });
    if (!done.ok) throw new Error(JSON.stringify(done.errors));
    const transferCursor = (await page(TRANSFERS, 'transfers', a, 1)).pageInfo.endCursor;
    const mixed = await api.execute(ORDERS, { first: 2, after: transferCursor }, principalFor(a));
    expect(mixed.errors?.[0]).toMatchObject({ message: 'after is a cursor of another list (transfers), not of orders.', extensions: { code: 'BAD_USER_INPUT', field: 'after' } });

    const orderCursor = (await page(ORDERS, 'orders', a, 1)).pageInfo.endCursor!;
    const seq = /^orders:(\d+)$/.exec(Buffer.from(orderCursor, 'base64url').toString('utf8'))![1];
    const legacy = await page(ORDERS, 'orders', a, 5, Buffer.from(`seq:${seq}`, 'utf8').toString('base64url'));
    expect(legacy.nodes.map((n) => n.id)).toEqual(ids.slice(1));
  });

  test('orders and transfers carry the sequence they are listed by (README "Catching up"): newest first, the number an `after` cursor pages from', async () => {
    const a = await fundedAccount(services, { USD: '100' }, 'sequences');
    const b = await fundedAccount(services, { USD: '100' }, 'sequences-payee');
    await placeOrders(a, 3);
    for (const [from, to] of [[a, b], [b, a]]) {
      const done = await services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '1' });
      if (!done.ok) throw new Error(JSON.stringify(done.errors));
    }
    const read = await api.execute(`{ me {
      orders(first: 10) { edges { cursor node { sequence } } }
      transfers(first: 10) { edges { cursor node { sequence } } } } }`, {}, principalFor(a));
    expect(read.errors).toBeUndefined();
    const me = (read.data as { me: Record<'orders' | 'transfers', { edges: Array<{ cursor: string; node: { sequence: number } }> }> }).me;
    for (const [list, { edges }] of Object.entries(me)) {
      expect(edges.length).toBe(list === 'orders' ? 3 : 2);
      const numbers = edges.map((e) => e.node.sequence);
      expect(numbers.every((n) => Number.isSafeInteger(n) && n > 0)).toBe(true);
      expect([...numbers].sort((x, y) => y - x)).toEqual(numbers);
      expect(new Set(numbers).size).toBe(numbers.length);
      // Each edge's cursor pages from its row's sequence: what a bot stores is what the list is keyed by.
      expect(edges.map((e) => Number(/:(\d+)$/.exec(Buffer.from(e.cursor, 'base64url').toString('utf8'))![1]))).toEqual(numbers);
    }
  });

  test('transfers page the same way, sent and received together', async () => {
    const a = await fundedAccount(services, { USD: '100' }, 'payer');
    const b = await fundedAccount(services, { USD: '100' }, 'payee');
    const sent: string[] = [];
    for (const [from, to] of [[a, b], [b, a], [a, b]]) {
      const done = await services.transfers.createTransfer(from, { toAccountId: to, asset: 'USD', amount: '1' });
      if (!done.ok) throw new Error(JSON.stringify(done.errors));
      sent.unshift(done.value.id);
    }
    const first = await page(TRANSFERS, 'transfers', a, 2);
    expectConsistent(first);
    expect(first.nodes.map((n) => n.id)).toEqual(sent.slice(0, 2));
    expect(first.pageInfo.hasNextPage).toBe(true);
    const last = await page(TRANSFERS, 'transfers', a, 2, first.pageInfo.endCursor);
    expectConsistent(last);
    expect(last.nodes.map((n) => n.id)).toEqual(sent.slice(2));
    expect(last.pageInfo.hasNextPage).toBe(false);
  });
});
