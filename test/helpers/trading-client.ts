import { randomBytes } from 'node:crypto';
import type { SqlExecutor } from '../../src/stores/postgres';
import type { SignetProcess } from './processes';
import { sendSigned } from './shared-schema';
import type { TestKey } from './signet-server';

const PLACE = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id status } userErrors { code } } }';
const CANCEL = 'mutation($id: ID!) { cancelOrder(id: $id) { order { id status } userErrors { code } } }';
const TRANSFER = 'mutation($i: CreateTransferInput!) { createTransfer(input: $i) { transfer { id } userErrors { code } } }';
const READ = '{ me { balances { asset available held valueUsd } valuation { totalUsd } orders(first: 5) { nodes { id status } } } }';

/** Pending calls retried at the same time by `settle`. */
const SETTLE_CONCURRENCY = 4;

/** One keyed mutation as the client logged it: the exact body (a retry must resend it), and what it learned. */
export interface LoggedCall {
  readonly key: string;
  readonly kind: 'order' | 'cancel' | 'transfer';
  readonly account: number;
  readonly body: string;
  /** acknowledged: the server answered with the entity; rejected: a business error (nothing happened); pending: unknown yet. */
  state: 'acknowledged' | 'rejected' | 'pending';
  /** The entity id the server acknowledged (for a cancel, the canceled order's id). */
  id?: string;
  /** What the last answer that left the call pending was (HTTP status and error codes), for diagnostics. */
  lastRefusal?: string;
}

/** Counts of what the client did and saw, for the report. */
export interface ClientStats {
  requests: number; acknowledged: number; rejected: number; unavailable: number; networkErrors: number; replays: number; replayMismatches: number;
  /** Reads sent; refused whole with 503 (a dependency down); answered with balances but no prices; anything else (must stay 0). */
  reads: number; readsRefused: number; readsWithoutPrices: number; readErrors: number;
  /** Slowest read answered with balances, in ms. */
  maxReadMs: number;
}

/** A signing client that logs every keyed mutation, so the books can be checked against what it was told. */
export interface TradingClient {
  readonly log: LoggedCall[];
  readonly stats: ClientStats;
  placeOrder(account: number): Promise<void>;
  /** Cancels one of the account's acknowledged open orders (none: places one instead). */
  cancelOrder(account: number): Promise<void>;
  transfer(from: number): Promise<void>;
  /** Reads the account (balances, valuation, orders); resolves its `me` when balances arrived, else null. */
  read(account: number): Promise<ReadMe | null>;
  /** Resends an acknowledged call with its key (fresh signature): the answer must be a replay of the same entity. */
  replay(): Promise<void>;
  /** Retries every pending call with its own key until each has an answer, each within `timeoutMs` of its first retry. */
  settle(timeoutMs: number): Promise<void>;
}

/** What a read answered of the account. */
export interface ReadMe {
  readonly balances: ReadonlyArray<{ asset: string; available: string; held: string; valueUsd: string | null }>;
  readonly valuation: { totalUsd: string } | null;
}

/** Builds a client over `accounts` (their ids and keys), sending to whatever `target()` returns now. */
export function createTradingClient(target: () => SignetProcess, accounts: ReadonlyArray<{ id: string; key: TestKey }>): TradingClient {
  const log: LoggedCall[] = [];
  const stats: ClientStats = { requests: 0, acknowledged: 0, rejected: 0, unavailable: 0, networkErrors: 0, replays: 0, replayMismatches: 0, reads: 0, readsRefused: 0, readsWithoutPrices: 0, readErrors: 0, maxReadMs: 0 };
  const cancelled = new Set<string>();
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(Math.random() * items.length)];

  /** Sends a logged call once and updates its state from the answer. */
  async function send(call: LoggedCall): Promise<{ replayed: boolean; id?: string } | null> {
    stats.requests += 1;
    let res;
    try {
      res = await sendSigned(target(), accounts[call.account].key, call.body, { 'idempotency-key': call.key });
    } catch (error) {
      stats.networkErrors += 1;
      call.lastRefusal = `network error: ${(error as Error).message}`;
      return null;
    }
    const field = res.json?.data ? Object.values(res.json.data)[0] as { order?: { id: string }; transfer?: { id: string }; userErrors: Array<{ code: string }> } | null : null;
    if (!field) {
      const codes = (res.json?.errors ?? []).map((e: { extensions?: { code?: string } }) => e.extensions?.code ?? '?');
      call.lastRefusal = `HTTP ${res.status} ${codes.join(',') || '(no error code)'}`;
      stats.unavailable += 1; // a retryable code (SERVICE_UNAVAILABLE, IN_PROGRESS) or a 5xx: the outcome is not known yet
      return null;
    }
    const id = field.order?.id ?? field.transfer?.id;
    const alreadyCanceled = call.kind === 'cancel' && field.userErrors.some((e) => e.code === 'ORDER_NOT_OPEN');
    if (id || alreadyCanceled) {
      if (call.state === 'pending') stats.acknowledged += 1;
      call.state = 'acknowledged';
      call.id = id ?? JSON.parse(call.body).variables.id;
    } else if (call.state === 'pending') {
      call.state = 'rejected';
      stats.rejected += 1;
    }
    return { replayed: res.replayed, id };
  }

  const keyed = (kind: LoggedCall['kind'], account: number, query: string, variables: object): LoggedCall => {
    const call: LoggedCall = { key: `${kind}-${randomBytes(8).toString('hex')}`, kind, account, body: JSON.stringify({ query, variables }), state: 'pending' };
    log.push(call);
    return call;
  };

  const client: TradingClient = {
    log, stats,
    async placeOrder(account) {
      const price = `${100 + Math.floor(Math.random() * 100)}.${String(Math.floor(Math.random() * 100)).padStart(2, '0')}`;
      await send(keyed('order', account, PLACE, { i: { market: 'BTC-USD', side: 'BUY', price, quantity: '0.01' } }));
    },
    async cancelOrder(account) {
      const open = log.filter((c) => c.kind === 'order' && c.account === account && c.state === 'acknowledged' && !cancelled.has(c.id as string));
      const victim = pick(open);
      if (!victim) return client.placeOrder(account);
      cancelled.add(victim.id as string);
      await send(keyed('cancel', account, CANCEL, { id: victim.id }));
    },
    async transfer(from) {
      const to = (from + 1) % accounts.length;
      await send(keyed('transfer', from, TRANSFER, { i: { toAccountId: accounts[to].id, asset: 'USD', amount: '1.25', memo: 'soak' } }));
    },
    async read(account) {
      stats.reads += 1;
      const started = Date.now();
      try {
        const res = await sendSigned(target(), accounts[account].key, JSON.stringify({ query: READ }));
        if (res.json?.data?.me?.balances) stats.maxReadMs = Math.max(stats.maxReadMs, Date.now() - started);
        const codes = new Set((res.json?.errors ?? []).map((e: { extensions?: { code?: string } }) => e.extensions?.code));
        if (res.status === 503 && codes.has('SERVICE_UNAVAILABLE')) stats.readsRefused += 1;
        else if (!res.json?.data?.me?.balances) stats.readErrors += 1;
        else if (codes.size === 1 && codes.has('PRICE_UNAVAILABLE') && res.json.data.me.valuation === null) stats.readsWithoutPrices += 1;
        else if (codes.size > 0 || res.json.data.me.valuation?.totalUsd === undefined) stats.readErrors += 1;
        return res.json?.data?.me?.balances ? res.json.data.me as ReadMe : null;
      } catch {
        stats.networkErrors += 1;
        return null;
      }
    },
    async replay() {
      const original = pick(log.filter((c) => c.state === 'acknowledged' && c.kind !== 'cancel'));
      if (!original) return;
      const answer = await send(original);
      if (!answer) return;
      stats.replays += 1;
      if (!answer.replayed || answer.id !== original.id) stats.replayMismatches += 1;
    },
    async settle(timeoutMs) {
      // Each pending call gets its own budget from the moment its retries start (a lease left by
      // a cut-off attempt lasts up to 10 s), so the number of calls pending after an outage does not
      // eat into the budget of the last ones; a few are retried at a time, as a client would.
      const pending = log.filter((call) => call.state === 'pending');
      const retryUntilAnswered = async (call: LoggedCall) => {
        const deadline = Date.now() + timeoutMs;
        while (call.state === 'pending') {
          if (Date.now() > deadline) throw new Error(`call ${call.key} still pending after ${timeoutMs} ms of retries (last answer: ${call.lastRefusal ?? 'none'}; ${pending.filter((c) => c.state === 'pending').length} of ${pending.length} calls pending)`);
          if (!(await send(call))) await new Promise((resolve) => setTimeout(resolve, 200));
        }
      };
      let next = 0;
      const worker = async () => {
        while (next < pending.length) await retryUntilAnswered(pending[next++]);
      };
      await Promise.all(Array.from({ length: SETTLE_CONCURRENCY }, worker));
    },
  };
  return client;
}

/**
 * Compares the books with the client's log: every acknowledged order, cancel and transfer is
 * there, nothing the client was not told about is (no duplicates, no ghosts). Empty when they agree.
 */
export async function discrepancies(db: SqlExecutor, client: TradingClient, accountIds: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  const orders = new Map((await db.query<{ id: string; status: string }>('SELECT id::text AS id, status FROM orders WHERE account_id = ANY($1::uuid[])', [accountIds])).map((r) => [r.id, r.status]));
  const transfers = new Set((await db.query<{ id: string }>('SELECT id::text AS id FROM transfers WHERE from_account_id = ANY($1::uuid[])', [accountIds])).map((r) => r.id));
  const acknowledged = (kind: LoggedCall['kind']) => client.log.filter((c) => c.kind === kind && c.state === 'acknowledged').map((c) => c.id as string);
  const ackOrders = new Set(acknowledged('order'));
  const ackCancels = new Set(acknowledged('cancel'));
  const ackTransfers = new Set(acknowledged('transfer'));
  for (const c of client.log) if (c.state === 'pending') problems.push(`unsettled ${c.kind} ${c.key}`);
  for (const id of ackOrders) if (!orders.has(id)) problems.push(`lost order ${id}`);
  for (const id of orders.keys()) if (!ackOrders.has(id)) problems.push(`order ${id} the client was never told about (duplicate or ghost)`);
  for (const id of ackCancels) if (orders.get(id) !== 'CANCELED') problems.push(`lost cancel of order ${id} (${orders.get(id) ?? 'missing'})`);
  for (const [id, status] of orders) if (status === 'CANCELED' && !ackCancels.has(id)) problems.push(`order ${id} canceled without a cancel the client was told about`);
  for (const id of ackTransfers) if (!transfers.has(id)) problems.push(`lost transfer ${id}`);
  for (const id of transfers) if (!ackTransfers.has(id)) problems.push(`transfer ${id} the client was never told about (duplicate or ghost)`);
  if (ackOrders.size !== acknowledged('order').length || ackTransfers.size !== acknowledged('transfer').length) problems.push('two keys were acknowledged with the same entity');
  return problems;
}
