import type { Page } from '../../domain';
import type { SqlExecutor } from './sql-driver';
import type { Row } from './sql-rows';

/** One bounded listing (domain/ports.ts HISTORY_SCAN_ROWS says why). */
export interface HistoryScan<T> {
  readonly columns: string;
  /** `<table> WHERE <the account's rows, and the cursor: seq < …>`, over `$1…` of `rangeParams`. */
  readonly range: string;
  readonly rangeParams: readonly unknown[];
  /** What a row must also pass (the listing's filters), over the parameters after `rangeParams`. */
  readonly filter: string;
  readonly filterParams: readonly unknown[];
  readonly limit: number;
  readonly budget: number;
  readonly map: (row: Row) => T;
}

/**
 * A page of an account's history filtered, reading at most `budget` of its newest rows from the
 * cursor. The page is read first, stopping as soon as it is full (a common filter reads about a
 * page's worth of rows); only a page that came out short asks how far the budget reached, from
 * the account's index: as many rows as the budget means a page cut short (`hasNextPage`, and
 * `continueBeforeSeq` the oldest position read, where the next page starts; this one may hold
 * fewer items than asked, even none); fewer means the end.
 */
export async function historyScanPage<T>(db: SqlExecutor, scan: HistoryScan<T>): Promise<Page<T>> {
  const ranged = scan.rangeParams.length;
  const placeholder = (n: number) => `$${n}`;
  const filtered = ranged + scan.filterParams.length;
  const rows = await db.query(
    `SELECT * FROM (SELECT ${scan.columns} FROM ${scan.range} ORDER BY seq DESC LIMIT ${placeholder(filtered + 1)}) AS scanned
      WHERE ${scan.filter} ORDER BY seq DESC LIMIT ${placeholder(filtered + 2)}`,
    [...scan.rangeParams, ...scan.filterParams, scan.budget, scan.limit + 1],
  );
  if (rows.length > scan.limit) return { items: rows.slice(0, scan.limit).map(scan.map), hasNextPage: true };
  const [extent] = await db.query<{ read: string | number; oldest: string | number | null }>(
    `SELECT count(*) AS read, min(seq) AS oldest FROM (SELECT seq FROM ${scan.range} ORDER BY seq DESC LIMIT ${placeholder(ranged + 1)}) AS scanned`,
    [...scan.rangeParams, scan.budget],
  );
  if (Number(extent.read) >= scan.budget) return { items: rows.map(scan.map), hasNextPage: true, continueBeforeSeq: Number(extent.oldest) };
  return { items: rows.map(scan.map), hasNextPage: false };
}
