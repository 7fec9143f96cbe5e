import { BadUserInputError } from '../../../errors';

/** Largest page a client may ask for. */
export const MAX_PAGE_SIZE = 100;
/** Page size when `first` is omitted. */
export const DEFAULT_PAGE_SIZE = 20;

/**
 * The lists a cursor can belong to, one per sequence: a cursor names its list, so one from a list
 * of another sequence is refused instead of starting a page at an unrelated position. Within one
 * sequence a cursor is a position and nothing more: `Account.fills` and `Order.fills` share the
 * fills' sequence, and a cursor from another market's trades, another order's fills or another
 * filter pages what is older than that position in this list (it is not bound to where it came
 * from). The legacy `seq:N` form names no sequence, so every list reads it as its own position.
 */
export type CursorList = 'orders' | 'fills' | 'transfers' | 'trades';

/** Opaque cursor for a row's sequence number in `list`. */
export function encodeCursor(list: CursorList, seq: number): string {
  return Buffer.from(`${list}:${seq}`, 'utf8').toString('base64url');
}

/**
 * Validates `first` and `after` for `list`; malformed values, and cursors of another list, are
 * BAD_USER_INPUT, never a database error. A cursor issued before cursors named their list
 * (`seq:N`) is still read, so a bot that stored one keeps paging across the upgrade.
 */
export function pageArgs(list: CursorList, first: number | undefined, after: string | undefined | null): { limit: number; beforeSeq?: number } {
  const limit = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new BadUserInputError(`first must be between 1 and ${MAX_PAGE_SIZE}.`, { field: 'first' });
  if (after === undefined || after === null) return { limit };
  const match = /^([a-z]+):(\d{1,15})$/.exec(after.length <= 48 ? Buffer.from(after, 'base64url').toString('utf8') : '');
  if (!match) throw new BadUserInputError('after is not a cursor returned by this API.', { field: 'after' });
  if (match[1] !== list && match[1] !== 'seq') throw new BadUserInputError(`after is a cursor of another list (${match[1]}), not of ${list}.`, { field: 'after' });
  return { limit, beforeSeq: Number(match[2]) };
}

/** A Relay connection of rows: edges with their cursors, the same rows as `nodes`, and page info. */
export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/** A page as the stores answer it (domain `Page`). */
type PageOf<T> = { items: readonly T[]; hasNextPage: boolean; continueBeforeSeq?: number };

/**
 * Builds a connection from a page of rows. Each edge's cursor is the row's own cursor (its `seq`,
 * or what `position` reads), and `endCursor` is the last edge's, except on a page the store cut
 * short (a filtered listing reads a bounded number of rows per page): there `endCursor` is where
 * it stopped reading, older than every edge, and the page may hold fewer edges than asked for, or
 * none, with `hasNextPage` true. `hasPreviousPage` is always false: paging is forward only, and
 * the Relay spec lets a first/after connection answer false rather than pay a query for it.
 */
export function connection<T extends { seq: number }>(list: CursorList, page: PageOf<T>): Connection<T>;
export function connection<T>(list: CursorList, page: PageOf<T>, position: (node: T) => number): Connection<T>;
export function connection<T>(list: CursorList, page: PageOf<T>, position: (node: T) => number = (node) => (node as { seq: number }).seq): Connection<T> {
  const edges = page.items.map((node) => ({ cursor: encodeCursor(list, position(node)), node }));
  const endCursor = page.continueBeforeSeq !== undefined ? encodeCursor(list, page.continueBeforeSeq) : edges[edges.length - 1]?.cursor ?? null;
  return {
    edges,
    nodes: [...page.items],
    pageInfo: { hasNextPage: page.hasNextPage, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor },
  };
}
