/**
 * A connection's endCursor: the last edge's, except on a page the store cut short (a bounded
 * filtered listing, domain `Page.continueBeforeSeq`), where it is the position the store stopped
 * at, so the next page goes on from there, even from a page with no edges.
 */
import { connection, encodeCursor, pageArgs } from '../../../src/transport/graphql/resolvers/pagination';

test('a full page ends at its last edge; a page cut short ends where the store stopped, edges or none', () => {
  const rows = [{ seq: 90 }, { seq: 70 }];
  expect(connection('orders', { items: rows, hasNextPage: true }).pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: encodeCursor('orders', 90), endCursor: encodeCursor('orders', 70) });
  expect(connection('orders', { items: rows, hasNextPage: true, continueBeforeSeq: 40 }).pageInfo.endCursor).toBe(encodeCursor('orders', 40));
  const empty = connection('orders', { items: [], hasNextPage: true, continueBeforeSeq: 40 });
  expect([empty.edges, empty.pageInfo.startCursor, empty.pageInfo.hasNextPage]).toEqual([[], null, true]);
  // The next page reads what is older than the position the store stopped at.
  expect(pageArgs('orders', 5, empty.pageInfo.endCursor)).toEqual({ limit: 5, beforeSeq: 40 });
  expect(connection('orders', { items: [], hasNextPage: false }).pageInfo.endCursor).toBeNull();
});
