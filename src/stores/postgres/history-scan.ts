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
 * cursor. One statement, so one snapshot: the page's rows, read until the page is full (a common
 * filter reads about a page's worth), and how far the budget reaches, from the account's index
 * (`seq` only). As many rows as the budget with a short page means a page cut short
 * (`hasNextPage`, and `continueBeforeSeq` the oldest position read, where the next page starts;
 * this one may hold fewer items than asked, even none); fewer means the end. In two statements a
 * row of the account committed between them moved the second one's window, and the next page
 * repeated items of this one (diff review).
 */
export async function historyScanPage<T>(db: SqlExecutor, scan: HistoryScan<T>): Promise<Page<T>> {
  const filtered = scan.rangeParams.length + scan.filterParams.length;
  const [budget, limit] = [`$${filtered + 1}`, `$${filtered + 2}`];
  const rows = await db.query(
    `SELECT page.*, extent.scanned_rows, extent.scanned_low
       FROM (SELECT count(*) AS scanned_rows, min(seq) AS scanned_low FROM (SELECT seq FROM ${scan.range} ORDER BY seq DESC LIMIT ${budget}) AS window_seqs) AS extent
       LEFT JOIN LATERAL (SELECT * FROM (SELECT ${scan.columns} FROM ${scan.range} ORDER BY seq DESC LIMIT ${budget}) AS scanned
                           WHERE ${scan.filter} ORDER BY seq DESC LIMIT ${limit}) AS page ON true
      ORDER BY page.seq DESC`,
    [...scan.rangeParams, ...scan.filterParams, scan.budget, scan.limit + 1],
  );
  const matches = rows.filter((row) => row.seq !== null && row.seq !== undefined);
  if (matches.length > scan.limit) return { items: matches.slice(0, scan.limit).map(scan.map), hasNextPage: true };
  const read = Number(rows[0]?.scanned_rows ?? 0);
  if (read >= scan.budget) return { items: matches.map(scan.map), hasNextPage: true, continueBeforeSeq: Number(rows[0].scanned_low) };
  return { items: matches.map(scan.map), hasNextPage: false };
}
