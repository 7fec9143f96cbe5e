import { BadUserInputError } from '../errors';

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

/** Builds a connection object from a page of rows. */
export function connection<T extends { seq: number }>(page: { items: readonly T[]; hasNextPage: boolean }) {
  const last = page.items[page.items.length - 1];
  return { nodes: [...page.items], pageInfo: { hasNextPage: page.hasNextPage, endCursor: last ? encodeCursor(last.seq) : null } };
}
