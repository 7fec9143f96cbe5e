import { type Deposit, type Journal, type TradingRepository } from '../../domain';
import type { SqlExecutor } from './sql-driver';
import { balanceUpdates, journalInserts, sqlParams } from './sql-ledger';
import { num, type Row } from './sql-rows';

const DEPOSIT_COLUMNS = 'journal_id, reference, account_id, asset, amount, created_at';

function toDeposit(r: Row): Deposit {
  return {
    journalId: String(r.journal_id), accountId: String(r.account_id), asset: r.asset as Deposit['asset'], amount: num(r.amount),
    reference: (r.reference as string | null) ?? null, createdAt: r.created_at instanceof Date ? r.created_at : new Date(String(r.created_at)),
  };
}

/**
 * A deposit in one statement: its record first (`deposits`, whose unique index on `reference`
 * decides: ON CONFLICT DO NOTHING), then, only when the record went in, its journal, entries and
 * balance change. A concurrent deposit with the same reference waits on the index until the first
 * one commits (then it writes nothing) or rolls back (then it posts). The record names its journal
 * by a foreign key, checked at the end of the statement, when the journal is in.
 */
export async function recordDeposit(db: SqlExecutor, d: Deposit, journal: Journal): ReturnType<TradingRepository['recordDeposit']> {
  const params = sqlParams();
  const claimed = 'EXISTS (SELECT 1 FROM deposit_in)';
  const balances = balanceUpdates(params, [journal], claimed);
  const rows = await db.query<{ posted: string | number; applied: string | number }>(
    `WITH deposit_in AS (INSERT INTO deposits (${DEPOSIT_COLUMNS})
       VALUES (${params.add(d.journalId, '::uuid')}, ${params.add(d.reference, '::text')}, ${params.add(d.accountId, '::uuid')}, ${params.add(d.asset, '::text')},
         ${params.add(d.amount, '::numeric')}, ${params.add(d.createdAt, '::timestamptz')})
       ON CONFLICT (reference) DO NOTHING RETURNING journal_id),
     ${[...journalInserts(params, [journal], claimed), ...balances.ctes].join(',\n')}
     SELECT (SELECT count(*) FROM deposit_in) AS posted, (SELECT count(*) FROM balances_out) AS applied`,
    params.values, { prepared: true },
  );
  if (Number(rows[0].posted) === 1) {
    // A credit never takes a balance below zero: a row that did not change is missing, a fault.
    if (Number(rows[0].applied) !== balances.changes.length) throw new Error(`deposit ${d.journalId} could not be applied to its balance`);
    return { posted: true, deposit: d };
  }
  // Another deposit holds the reference, committed (a new statement sees it: READ COMMITTED) or
  // written earlier in this transaction.
  const existing = d.reference === null ? null : await findDepositByReference(db, d.reference);
  if (existing === null) throw new Error(`deposit reference ${JSON.stringify(d.reference)} is taken, but no deposit holds it`);
  return { posted: false, deposit: existing };
}

/** The deposit recorded with this reference, or null. */
export async function findDepositByReference(db: SqlExecutor, reference: string): Promise<Deposit | null> {
  const rows = await db.query(`SELECT ${DEPOSIT_COLUMNS} FROM deposits WHERE reference = $1`, [reference]);
  return rows[0] ? toDeposit(rows[0]) : null;
}
