import { BadUserInputError } from '../../../errors';

/** Largest page a client may ask for. */
export const MAX_PAGE_SIZE = 100;
/** Page size when `first` is omitted. */
export const DEFAULT_PAGE_SIZE = 20;

/** Opaque cursor for a row's sequence number. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`, 'utf8').toString('base64url');
}

/** Validates `first` and `after`; malformed values are BAD_USER_INPUT, never a database error. */
export function pageArgs(first: number | undefined, after: string | undefined | null): { limit: number; beforeSeq?: number } {
  const limit = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new BadUserInputError(`first must be between 1 and ${MAX_PAGE_SIZE}.`, { field: 'first' });
  if (after === undefined || after === null) return { limit };
  const match = /^seq:(\d{1,15})$/.exec(after.length <= 32 ? Buffer.from(after, 'base64url').toString('utf8') : '');
  if (!match) throw new BadUserInputError('after is not a cursor returned by this API.', { field: 'after' });
  return { limit, beforeSeq: Number(match[1]) };
}

/** A Relay connection of rows: edges with their cursors, the same rows as `nodes`, and page info. */
export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/**
 * Builds a connection from a page of rows. Each edge's cursor is the row's own cursor (its `seq`,
 * or what `position` reads), so `endCursor` is the last edge's. `hasPreviousPage` is always false:
 * paging is forward only, and the Relay spec lets a first/after connection answer false rather
 * than pay a query for it.
 */
export function connection<T extends { seq: number }>(page: { items: readonly T[]; hasNextPage: boolean }): Connection<T>;
export function connection<T>(page: { items: readonly T[]; hasNextPage: boolean }, position: (node: T) => number): Connection<T>;
export function connection<T>(page: { items: readonly T[]; hasNextPage: boolean }, position: (node: T) => number = (node) => (node as { seq: number }).seq): Connection<T> {
  const edges = page.items.map((node) => ({ cursor: encodeCursor(position(node)), node }));
  return {
    edges,
    nodes: [...page.items],
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
