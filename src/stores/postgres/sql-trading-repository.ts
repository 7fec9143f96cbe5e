import { ASSET_CODES, balanceChanges, type ReconciliationReport, type TradingRepository } from '../../domain';
import type { Page } from '../../domain';
import type { SqlExecutor } from './sql-driver';
import { isUuid, num, toAccount, toApiKey, toBalance, toOrder, toTransfer, type Row } from './sql-rows';

const ORDER_COLUMNS = 'id, seq, account_id, market, side, type, price, quantity, client_order_id, status, hold_asset, hold_amount, created_at, updated_at';
const TRANSFER_COLUMNS = 'id, seq, from_account_id, to_account_id, asset, amount, memo, created_at';
const KEY_COLUMNS = 'id, account_id, label, scopes, algorithm, public_key, secret_ciphertext, created_at, last_used_at, revoked_at';

function page<T>(rows: Row[], limit: number, map: (r: Row) => T): Page<T> {
  return { items: rows.slice(0, limit).map(map), hasNextPage: rows.length > limit };
}

/** The trading repository in SQL shared by PostgreSQL and PGlite. */
export function createSqlTradingRepository(db: SqlExecutor): TradingRepository {
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
      const rows = await db.query('SELECT asset, available, held FROM balances WHERE account_id = $1 ORDER BY asset', [accountId]);
      return rows.map(toBalance);
    },

    async postJournal(journal) {
      // The domain's rules: the journal balances, and which balances it changes that may not go negative.
      const changes = balanceChanges(journal);
      await db.query('INSERT INTO journals (id, kind, reference, created_at) VALUES ($1, $2, $3, $4)', [journal.id, journal.kind, journal.reference, journal.createdAt]);
      const values: unknown[] = [journal.id];
      const tuples = journal.postings.map((p) => {
        values.push(p.accountId, p.asset, p.bucket, p.amount);
        const n = values.length;
        return `($1::uuid, $${n - 3}::uuid, $${n - 2}, $${n - 1}, $${n}::numeric)`;
      });
      await db.query(`INSERT INTO ledger_entries (journal_id, account_id, asset, bucket, amount) VALUES ${tuples.join(', ')}`, values);
      // One conditional update per balance row, in the domain's fixed order (no deadlocks): the row lock
      // makes the non-negative check exact under concurrency; a CHECK constraint backs it.
      for (const d of changes) {
        const rows = await db.query(
          `UPDATE balances SET available = available + $3::numeric, held = held + $4::numeric
           WHERE account_id = $1 AND asset = $2 AND available + $3::numeric >= 0 AND held + $4::numeric >= 0 RETURNING 1 AS ok`,
          [d.accountId, d.asset, d.available.toFixed(), d.held.toFixed()],
        );
        if (rows.length === 0) return false;
      }
      return true;
    },

    async insertOrder(o) {
      const rows = await db.query(
        `INSERT INTO orders (id, account_id, market, side, type, price, quantity, client_order_id, status, hold_asset, hold_amount, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (account_id, client_order_id) DO NOTHING RETURNING ${ORDER_COLUMNS}`,
        [o.id, o.accountId, o.market, o.side, o.type, o.price, o.quantity, o.clientOrderId, o.status, o.holdAsset, o.holdAmount, o.createdAt, o.updatedAt],
      );
      return rows[0] ? toOrder(rows[0]) : 'duplicate';
    },

    async findOrder(id) {
      if (!isUuid(id)) return null;
      const rows = await db.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`, [id]);
      return rows[0] ? toOrder(rows[0]) : null;
    },

    async cancelOpenOrder(id, accountId, at) {
      if (!isUuid(id)) return null;
      const rows = await db.query(
        `UPDATE orders SET status = 'CANCELED', updated_at = $3 WHERE id = $1 AND account_id = $2 AND status = 'OPEN' RETURNING ${ORDER_COLUMNS}`,
        [id, accountId, at],
      );
      return rows[0] ? toOrder(rows[0]) : null;
    },

    async listOrders(accountId, q) {
      const rows = await db.query(
        `SELECT ${ORDER_COLUMNS} FROM orders WHERE account_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR seq < $3)
         ORDER BY seq DESC LIMIT $4`,
        [accountId, q.status ?? null, q.beforeSeq ?? null, q.limit + 1],
      );
      return page(rows, q.limit, toOrder);
    },

    async insertTransfer(t) {
      const rows = await db.query(
        `INSERT INTO transfers (id, from_account_id, to_account_id, asset, amount, memo, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${TRANSFER_COLUMNS}`,
        [t.id, t.fromAccountId, t.toAccountId, t.asset, t.amount, t.memo, t.createdAt],
      );
      return toTransfer(rows[0]);
    },

    async findTransfer(id) {
      if (!isUuid(id)) return null;
      const rows = await db.query(`SELECT ${TRANSFER_COLUMNS} FROM transfers WHERE id = $1`, [id]);
      return rows[0] ? toTransfer(rows[0]) : null;
    },

    async listTransfers(accountId, q) {
      const rows = await db.query(
        `SELECT ${TRANSFER_COLUMNS} FROM transfers WHERE (from_account_id = $1 OR to_account_id = $1) AND ($2::bigint IS NULL OR seq < $2)
         ORDER BY seq DESC LIMIT $3`,
        [accountId, q.beforeSeq ?? null, q.limit + 1],
      );
      return page(rows, q.limit, toTransfer);
    },

    async insertApiKey(k) {
      await db.query(
        `INSERT INTO api_keys (${KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [k.id, k.accountId, k.label, k.scopes, k.algorithm, k.publicKey, k.secretCiphertext, k.createdAt, k.lastUsedAt, k.revokedAt],
      );
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

    async revokeApiKey(id, accountId, at) {
      const rows = await db.query(`UPDATE api_keys SET revoked_at = $3 WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL RETURNING ${KEY_COLUMNS}`, [id, accountId, at]);
      return rows[0] ? toApiKey(rows[0]) : null;
    },

    async touchApiKeys(lastUsed) {
      if (lastUsed.size === 0) return;
      const ids = [...lastUsed.keys()];
      const times = ids.map((id) => lastUsed.get(id)!.toISOString());
      await db.query(
        `UPDATE api_keys SET last_used_at = GREATEST(COALESCE(api_keys.last_used_at, v.t), v.t)
         FROM (SELECT unnest($1::text[]) AS id, unnest($2::timestamptz[]) AS t) AS v WHERE api_keys.id = v.id`,
        [ids, times],
      );
    },

    async reconcile(): Promise<ReconciliationReport> {
      const balanceRows = await db.query(
        `WITH l AS (SELECT account_id, asset, bucket, SUM(amount) AS s FROM ledger_entries GROUP BY account_id, asset, bucket)
         SELECT b.account_id, b.asset, b.available, b.held, COALESCE(la.s, 0) AS la, COALESCE(lh.s, 0) AS lh
         FROM balances b
         LEFT JOIN l la ON la.account_id = b.account_id AND la.asset = b.asset AND la.bucket = 'available'
         LEFT JOIN l lh ON lh.account_id = b.account_id AND lh.asset = b.asset AND lh.bucket = 'held'
         WHERE b.available <> COALESCE(la.s, 0) OR b.held <> COALESCE(lh.s, 0)`,
      );
      const balanceMismatches = balanceRows.flatMap((r) => {
        const out: ReconciliationReport['balanceMismatches'][number][] = [];
        const base = { accountId: String(r.account_id), asset: toBalance(r).asset };
        if (num(r.available) !== num(r.la)) out.push({ ...base, bucket: 'available', stored: num(r.available), ledger: num(r.la) });
        if (num(r.held) !== num(r.lh)) out.push({ ...base, bucket: 'held', stored: num(r.held), ledger: num(r.lh) });
        return out;
      });
      const unbalanced = await db.query('SELECT asset, SUM(amount) AS s FROM ledger_entries GROUP BY asset HAVING SUM(amount) <> 0');
      const heldRows = await db.query(
        `SELECT b.account_id, b.asset, b.held, COALESCE(o.s, 0) AS s FROM balances b
         LEFT JOIN (SELECT account_id, hold_asset, SUM(hold_amount) AS s FROM orders WHERE status = 'OPEN' GROUP BY account_id, hold_asset) o
           ON o.account_id = b.account_id AND o.hold_asset = b.asset
         WHERE b.held <> COALESCE(o.s, 0)`,
      );
      return {
        balanceMismatches,
        unbalancedAssets: unbalanced.map((r) => ({ asset: String(r.asset), sum: num(r.s) })),
        heldMismatches: heldRows.map((r) => ({ accountId: String(r.account_id), asset: toBalance(r).asset, held: num(r.held), openOrderHolds: num(r.s) })),
      };
    },
  };
}
