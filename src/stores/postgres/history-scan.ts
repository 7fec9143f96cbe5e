import type { Page } from '../../domain';
import type { Row } from './sql-rows';

/**
 * The statement of a budgeted listing (domain/ports.ts HISTORY_SCAN_ROWS says why): `scanned` is
 * at most `$budget` of the account's newest rows from the cursor (`source`: a `SELECT … FROM …
 * WHERE <account and cursor> ORDER BY seq DESC` without its LIMIT); the page is the rows of it
 * that pass `filter`, and every row of the answer also carries how many rows were read and the
 * oldest position read (one row of nulls when nothing matched).
 */
export function historyScanSql(source: string, budgetParam: string, filter: string, limitParam: string): string {
  return `WITH scanned AS MATERIALIZED (${source} LIMIT ${budgetParam}),
       matched AS (SELECT * FROM scanned WHERE ${filter} ORDER BY seq DESC LIMIT ${limitParam})
     SELECT matched.*, totals.scanned_rows, totals.scanned_low
       FROM (SELECT count(*) AS scanned_rows, min(seq) AS scanned_low FROM scanned) AS totals LEFT JOIN matched ON true
      ORDER BY matched.seq DESC`;
}

/**
 * The page of a budgeted listing's rows (see {@link historyScanSql}; `limit + 1` rows asked for):
 * more matches than `limit` is a full page; fewer, with the budget spent, is a page that stopped
 * early (`hasNextPage`, and `continueBeforeSeq` the oldest position read, where the next page
 * starts: it may hold fewer items than asked, even none); fewer with rows to spare is the end.
 */
export function historyScanPage<T>(rows: readonly Row[], limit: number, budget: number, map: (row: Row) => T): Page<T> {
  const matches = rows.filter((row) => row.seq !== null && row.seq !== undefined);
  if (matches.length > limit) return { items: matches.slice(0, limit).map(map), hasNextPage: true };
  const scanned = Number(rows[0]?.scanned_rows ?? 0);
  if (scanned >= budget) return { items: matches.map(map), hasNextPage: true, continueBeforeSeq: Number(rows[0].scanned_low) };
  return { items: matches.map(map), hasNextPage: false };
}
