import { ASSET_CODES, HISTORY_SCAN_ROWS, keepsBalanceRows, type TradingRepository } from '../../domain';
import type { Page } from '../../domain';
import type { SqlExecutor } from './sql-driver';
import { accountLocks } from './sql-account-locks';
import { findDepositByReference, recordDeposit } from './sql-deposits';
import { balanceUpdates, journalInserts, postJournals, reconcileLedger, sqlParams } from './sql-ledger';
import { recordPlacement } from './sql-placement';
import { createSqlOrderMethods } from './sql-orders';
import { isUuid, toAccount, toApiKey, toBalance, toTransfer, type Row } from './sql-rows';
import { historyScanPage } from './history-scan';

const TRANSFER_COLUMNS = 'id, seq, from_account_id, to_account_id, asset, amount, memo, client_transfer_id, api_key_id, created_at';
const KEY_COLUMNS = 'id, account_id, label, scopes, algorithm, public_key, secret_ciphertext, created_at, last_used_at, revoked_at, created_by_api_key_id, revoked_by_api_key_id';

function page<T>(rows: Row[], limit: number, map: (r: Row) => T): Page<T> {
  return { items: rows.slice(0, limit).map(map), hasNextPage: rows.length > limit };
}

/** The master key check, or null before one is set. */
async function readMasterKeyCheck(db: SqlExecutor, options: { lock?: 'share' | 'update' } = {}): Promise<string | null> {
  const lock = options.lock === 'share' ? ' FOR SHARE' : options.lock === 'update' ? ' FOR UPDATE' : '';
  const rows = await db.query(`SELECT sealed FROM master_key_check WHERE id = 1${lock}`);
  return rows[0] ? String(rows[0].sealed) : null;
}

/** The trading repository in SQL shared by PostgreSQL and PGlite. */
/** The SQL trading repository; `historyScanRows` bounds a filtered history listing's read per page (history-scan.ts). */
export function createSqlTradingRepository(db: SqlExecutor, options: { historyScanRows?: number } = {}): TradingRepository {
  const scanRows = options.historyScanRows ?? HISTORY_SCAN_ROWS;
  return {
    async insertAccount(account) {
      const rows = await db.query('INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING id', [account.id, account.name, account.createdAt]);
      if (rows.length === 0) return false;
      await db.query('INSERT INTO balances (account_id, asset) SELECT $1, unnest($2::text[])', [account.id, ASSET_CODES]);
      return true;
    },

    async findAccount(id) {
      if (!isUuid(id)) return null;
      const rows = await db.query("SELECT id, name, created_at FROM accounts WHERE id = $1 AND kind = 'USER'", [id]);
      return rows[0] ? toAccount(rows[0]) : null;
    },

    async findAccountByName(name) {
      const rows = await db.query("SELECT id, name, created_at FROM accounts WHERE name = $1 AND kind = 'USER'", [name]);
      return rows[0] ? toAccount(rows[0]) : null;
    },

    async listBalances(accountId) {
      if (!isUuid(accountId)) return [];
      if (!keepsBalanceRows(accountId)) {
        // A system account's balances are the sums of its ledger entries (read for reports and tests, not per request).
        const sums = await db.query(
          `SELECT a.asset, COALESCE(SUM(e.amount) FILTER (WHERE e.bucket = 'available'), 0) AS available, COALESCE(SUM(e.amount) FILTER (WHERE e.bucket = 'held'), 0) AS held
           FROM unnest($2::text[]) AS a(asset) LEFT JOIN ledger_entries e ON e.account_id = $1 AND e.asset = a.asset GROUP BY a.asset ORDER BY a.asset`,
          [accountId, ASSET_CODES],
        );
        return sums.map(toBalance);
      }
      const rows = await db.query('SELECT asset, available, held FROM balances WHERE account_id = $1 ORDER BY asset', [accountId]);
      return rows.map(toBalance);
    },

    postJournal: (journal) => postJournals(db, [journal]),
    postJournals: (journals) => postJournals(db, journals),
    recordDeposit: (deposit, journal) => recordDeposit(db, deposit, journal),
    findDepositByReference: (reference) => findDepositByReference(db, reference),
    recordPlacement: (placement) => recordPlacement(db, placement),
    ...createSqlOrderMethods(db, { historyScanRows: scanRows }),

    async recordTransfer(t, journal) {
      // One statement: both accounts' locks (sql-account-locks.ts), the transfer (numbered under the
      // locks; a clientTransferId the sender already used inserts nothing, decided by its unique
      // index), then, only when the transfer went in, the journal and its balance changes. A
      // balance change that refused leaves the transfer written: the caller rolls back.
      const params = sqlParams();
      const locks = accountLocks(params, [t.fromAccountId, t.toAccountId]);
      const inserted = 'EXISTS (SELECT 1 FROM transfer_in)';
      const transferIn = `transfer_in AS (INSERT INTO transfers (id, from_account_id, to_account_id, asset, amount, memo, client_transfer_id, api_key_id, created_at)
           SELECT ${params.add(t.id, '::uuid')}, ${params.add(t.fromAccountId, '::uuid')}, ${params.add(t.toAccountId, '::uuid')}, ${params.add(t.asset, '::text')},
             ${params.add(t.amount, '::numeric')}, ${params.add(t.memo, '::text')}, ${params.add(t.clientTransferId, '::text')}, ${params.add(t.apiKeyId, '::text')},
             ${params.add(t.createdAt, '::timestamptz')}
           WHERE ${locks.gate}
           ON CONFLICT (from_account_id, client_transfer_id) DO NOTHING
           RETURNING ${TRANSFER_COLUMNS})`;
      const balances = balanceUpdates(params, [journal], inserted);
      const rows = await db.query(
        `WITH ${[locks.cte, transferIn, ...journalInserts(params, [journal], inserted), ...balances.ctes].join(',\n')}
         SELECT transfer_in.*, (SELECT count(*) FROM balances_out) AS applied FROM (VALUES (1)) AS one LEFT JOIN transfer_in ON TRUE`,
        params.values, { prepared: true },
      );
      const row = rows[0];
      if (row.id == null) return 'duplicate';
      return Number(row.applied) === balances.changes.length ? toTransfer(row) : null;
    },

    async findTransfer(id) {
      if (!isUuid(id)) return null;
      const rows = await db.query(`SELECT ${TRANSFER_COLUMNS} FROM transfers WHERE id = $1`, [id]);
      return rows[0] ? toTransfer(rows[0]) : null;
    },

    async findTransferByClientTransferId(fromAccountId, clientTransferId) {
      if (!isUuid(fromAccountId)) return null;
      const rows = await db.query(`SELECT ${TRANSFER_COLUMNS} FROM transfers WHERE from_account_id = $1 AND client_transfer_id = $2`, [fromAccountId, clientTransferId]);
      return rows[0] ? toTransfer(rows[0]) : null;
    },

    async listTransfers(accountId, q) {
      if (q.sentByApiKeyId !== undefined) {
        // Those one key sent: a bounded read of the account's sent transfers per page (history-scan.ts).
        return historyScanPage(db, {
          columns: TRANSFER_COLUMNS, range: 'transfers WHERE from_account_id = $1 AND ($2::bigint IS NULL OR seq < $2)', rangeParams: [accountId, q.beforeSeq ?? null],
          filter: 'api_key_id = $3', filterParams: [q.sentByApiKeyId], limit: q.limit, budget: scanRows, map: toTransfer,
        });
      }
      // Sent and received as two ranges of their own indexes, merged: one condition with OR was
      // read from the table's seq index backwards, through every newer transfer of every account
      // (400,000 rows for an account whose last transfer was long ago; read-cost review).
      const rows = await db.query(
        `SELECT * FROM ((SELECT ${TRANSFER_COLUMNS} FROM transfers WHERE from_account_id = $1 AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3)
           UNION ALL (SELECT ${TRANSFER_COLUMNS} FROM transfers WHERE to_account_id = $1 AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3)) AS both_ways
         ORDER BY seq DESC LIMIT $3`,
        [accountId, q.beforeSeq ?? null, q.limit + 1],
      );
      return page(rows, q.limit, toTransfer);
    },

    // Two statements: the count must be read after the lock is held (one statement's snapshot would
    // predate the wait, and two creations could both read the bound as not reached). NO KEY UPDATE
    // serializes creations of one account without waiting for, or blocking, the foreign-key checks
    // (KEY SHARE) of its orders, transfers and balances.
    async insertApiKey(k, maxActive) {
      await db.query('SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE', [k.accountId]);
      const rows = await db.query(
        `INSERT INTO api_keys (${KEY_COLUMNS}) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
         WHERE (SELECT count(*) FROM api_keys WHERE account_id = $2 AND revoked_at IS NULL) < $13 RETURNING id`,
        [k.id, k.accountId, k.label, k.scopes, k.algorithm, k.publicKey, k.secretCiphertext, k.createdAt, k.lastUsedAt, k.revokedAt, k.createdByApiKeyId, k.revokedByApiKeyId, maxActive],
      );
      return rows.length === 1;
    },

    async findApiKey(id) {
      const rows = await db.query(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1`, [id]);
      return rows[0] ? toApiKey(rows[0]) : null;
    },

    async listApiKeys(accountId) {
      const rows = await db.query(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE account_id = $1 ORDER BY created_at, id`, [accountId]);
      return rows.map(toApiKey);
    },

    async listActiveEd25519PublicKeys() {
      const rows = await db.query("SELECT id, public_key FROM api_keys WHERE algorithm = 'ed25519' AND revoked_at IS NULL AND public_key IS NOT NULL ORDER BY id");
      return rows.map((r) => ({ id: String(r.id), publicKey: String(r.public_key) }));
    },

    async listLiveSealedSecrets() {
      const rows = await db.query('SELECT id, secret_ciphertext FROM api_keys WHERE secret_ciphertext IS NOT NULL AND revoked_at IS NULL ORDER BY id');
      return rows.map((r) => ({ id: String(r.id), secretCiphertext: String(r.secret_ciphertext) }));
    },

    async lockSealedSecrets() {
      const rows = await db.query('SELECT id, secret_ciphertext, revoked_at IS NULL AS live FROM api_keys WHERE secret_ciphertext IS NOT NULL ORDER BY id FOR UPDATE');
      return rows.map((r) => ({ id: String(r.id), secretCiphertext: String(r.secret_ciphertext), live: r.live === true }));
    },

    async replaceSealedSecret(id, secretCiphertext) {
      const rows = await db.query('UPDATE api_keys SET secret_ciphertext = $2 WHERE id = $1 AND secret_ciphertext IS NOT NULL RETURNING id', [id, secretCiphertext]);
      if (rows.length !== 1) throw new Error(`no HMAC key ${id} to re-seal`);
    },

    readMasterKeyCheck: (options) => readMasterKeyCheck(db, options),

    async writeMasterKeyCheck(sealed, mode) {
      if (mode === 'replace') {
        const rows = await db.query('INSERT INTO master_key_check (id, sealed) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET sealed = EXCLUDED.sealed, set_at = now() RETURNING sealed', [sealed]);
        return String(rows[0]!.sealed);
      }
      // Two statements: a start racing this one may have set the check first, and only a statement
      // begun after its commit sees its row (one statement's snapshot predates it).
      await db.query('INSERT INTO master_key_check (id, sealed) VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [sealed]);
      const stored = await readMasterKeyCheck(db);
      if (stored === null) throw new Error('the master key check was not stored');
      return stored;
    },

    // A row lock that revocation's FOR UPDATE waits for, and that waits for a revocation in
    // progress, then reads the row as it committed (PostgreSQL re-checks the condition on the
    // newest version). KEY SHARE, the lock a foreign key check takes: signed mutations of one key
    // never wait for each other, nor for the batched last-use updates (touchApiKeys).
    async holdLiveApiKey(id) {
      const rows = await db.query('SELECT 1 FROM api_keys WHERE id = $1 AND revoked_at IS NULL FOR KEY SHARE', [id], { prepared: true });
      return rows.length === 1;
    },

    async revokeApiKey(id, accountId, at, revokedBy) {
      // FOR UPDATE, not the UPDATE's own weaker row lock: it waits for every transaction holding
      // the key live. The time is read once it is taken: read before, a revocation that waited
      // for a placement recorded a revokedAt earlier than the order the key placed.
      const target = await db.query('SELECT id FROM api_keys WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL FOR UPDATE', [id, accountId]);
      if (target.length === 0) return null;
      const rows = await db.query(
        `UPDATE api_keys SET revoked_at = $2, revoked_by_api_key_id = $3 WHERE id = $1 RETURNING ${KEY_COLUMNS}`,
        [id, at(), revokedBy],
      );
      return rows[0] ? toApiKey(rows[0]) : null;
    },

    // Every process flushes on its own timer, so two flushes can meet the same rows. The CTE locks
    // them in id order first (ORDER BY runs before the row locks); without it the rows were locked
    // in the join's order, and two flushes meeting them in opposite orders deadlocked.
    async touchApiKeys(lastUsed) {
      if (lastUsed.size === 0) return;
      const ids = [...lastUsed.keys()];
      const times = ids.map((id) => lastUsed.get(id)!.toISOString());
      await db.query(
        `WITH locked AS (SELECT id FROM api_keys WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE)
         UPDATE api_keys SET last_used_at = GREATEST(COALESCE(api_keys.last_used_at, v.t), v.t)
         FROM locked JOIN (SELECT unnest($1::text[]) AS id, unnest($2::timestamptz[]) AS t) AS v ON v.id = locked.id
         WHERE api_keys.id = locked.id`,
        [ids, times],
      );
    },

    reconcile: () => reconcileLedger(db),
  };
}
