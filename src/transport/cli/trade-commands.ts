import type { Command } from 'commander';
import {
  CancelAllOrdersDocument, CancelOrderDocument, CreateTransferDocument, MeDocument, MyFillsDocument, MyOrdersDocument, OrderBookDocument, PlaceOrderDocument,
  type Asset, type OrderFieldsFragment, type OrderSide, type OrderStatus, type OrderType, type SelfTradePrevention, type TimeInForce,
} from '@signet/sdk';
import { DEFAULT_CLIENT_URL } from '../../client-config';
import type { SignetConfig } from '../../config';
import { CliError } from './cli-error';
import { TIMEOUT_FLAG_HELP, call, clientFor, keyedMutation, missingPayload, progressReporter, unwrapResult, type ClientFlags, type KeyedMutation } from './trade-client';

/** Aligned columns for people; the header row is upper case. */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

function print(flags: ClientFlags, value: unknown, human: () => string): void {
  process.stdout.write(flags.json ? JSON.stringify(value, null, 2) + '\n' : human());
}

const ORDER_COLUMNS = ['ID', 'MARKET', 'SIDE', 'PRICE', 'QUANTITY', 'STATUS', 'CREATED'];
const orderRow = (o: OrderFieldsFragment) => [o.id, o.market, o.side, o.price ?? 'MARKET', o.quantity, o.status, o.createdAt];

function choice<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  const upper = value.toUpperCase() as T;
  if (!allowed.includes(upper)) throw new CliError(`${flag} must be one of ${allowed.join(', ')} (got "${value}")`, 2);
  return upper;
}

/** Shared flags: where to send, which key signs (`credentials`: where the key comes from without the flag), and the output format. */
function withClientFlags(command: Command, credentials = 'default: SIGNET_KEY_ID + SIGNET_PRIVATE_KEY / SIGNET_SECRET'): Command {
  return command
    .option('--credentials <file>', `JSON with keyId and privateKey or secret (e.g. .signet/demo-credentials.json); ${credentials}`)
    .option('--as <name>', 'which credential of a file that lists several (e.g. alice)')
    .option('--url <url>', `server URL (default: SIGNET_URL, else ${DEFAULT_CLIENT_URL})`)
    .option('--timeout <ms>', TIMEOUT_FLAG_HELP)
    .option('--json', 'machine-readable output');
}

/**
 * Whose call a replayed outcome is: `this-run` when the key is this command's own (generated) and
 * an earlier attempt of it lost its answer (this command did it: its retry read the outcome back),
 * `earlier-run` when a given key replayed at the first attempt, `this-or-earlier-run` when a given
 * key replayed after a lost answer (either ran it). Undefined when nothing was replayed: it ran now.
 */
export type ReplayOf = 'this-run' | 'earlier-run' | 'this-or-earlier-run';

function replayOf(result: { replayed: boolean; attempts: number }, keyed: KeyedMutation): ReplayOf | undefined {
  if (!result.replayed) return undefined;
  if (!keyed.given) return 'this-run';
  return result.attempts > 1 ? 'this-or-earlier-run' : 'earlier-run';
}

const REPLAY_TEXT: Record<ReplayOf, string> = {
  'this-run': 'yes: done by this command (its first answer was lost; the retry with the same key read it back, nothing ran twice)',
  'earlier-run': 'yes: this key was used before, nothing ran again',
  'this-or-earlier-run': 'yes: done once with this key, by this command (an answer was lost) or before it; nothing ran twice',
};

/** The outcome fields every mutation prints with --json: whether it is a replay, whose, and the key. */
function outcomeFields(result: { replayed: boolean; attempts: number; idempotencyKey?: string }, keyed: KeyedMutation): { replayed: boolean; replayOf?: ReplayOf; idempotencyKey?: string } {
  const of = replayOf(result, keyed);
  return { replayed: result.replayed, ...(of ? { replayOf: of } : {}), idempotencyKey: result.idempotencyKey };
}

/** One mutation result as `label  value` lines, with the key to reuse for a safe retry. */
function describeOutcome(fields: Record<string, string | null | undefined>, result: { replayed: boolean; attempts: number; idempotencyKey?: string }, keyed: KeyedMutation): string {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null) all[k] = v;
  if (result.idempotencyKey) all['idempotency key'] = result.idempotencyKey;
  const of = replayOf(result, keyed);
  if (of) all.replayed = REPLAY_TEXT[of];
  const width = Math.max(...Object.keys(all).map((k) => k.length));
  return Object.entries(all).map(([k, v]) => `${k.padEnd(width)}  ${v}\n`).join('');
}

/** A page size flag, 1-100. */
/** The flags that fetch the next page: its cursor and the listing's filters, which must stay the same across its pages. */
function nextPageHint(cursor: string | null | undefined, filters: Record<string, string | boolean | undefined>): string {
  const kept = Object.entries(filters).flatMap(([flag, value]) => value === undefined || value === false ? [] : value === true ? [flag] : [flag, value]);
  return `more: ${['--after', cursor ?? '', ...kept].join(' ')}\n`;
}

function pageSize(value: string): number {
  const first = Number(value);
  if (!Number.isInteger(first) || first < 1 || first > 100) throw new CliError('--first must be an integer from 1 to 100', 2);
  return first;
}

/** `balances`, `orders`, `order place|cancel|cancel-all`, `fills`, `book`, `transfer`: signed trading calls through the SDK. */
export function registerTradeCommands(program: Command, config: SignetConfig): void {
  const onRetry = progressReporter();

  withClientFlags(program.command('balances').description('Show your balances (signed request).'))
    .action(async (flags: ClientFlags) => {
      const data = unwrapResult(await call((signal) => clientFor(flags, config.client).request(MeDocument, {}, { signal, onRetry })));
      const balances = data.me?.balances ?? [];
      print(flags, { account: data.me?.id, balances }, () => formatTable(['ASSET', 'AVAILABLE', 'HELD'], balances.map((b) => [b.asset, b.available, b.held])));
    });

  withClientFlags(program.command('orders').description('List your orders, newest first (signed request).'))
    .option('--status <status>', 'exactly this status: OPEN, PARTIALLY_FILLED, FILLED, CANCELED or EXPIRED (OPEN leaves out PARTIALLY_FILLED: --live lists every order that can still fill)')
    .option('--live', 'only orders that can still fill (OPEN or PARTIALLY_FILLED)')
    .option('--first <n>', 'page size, 1-100', '20')
    .option('--placed-by <keyId>', 'only the orders this API key of yours placed or ended (canceled), revoked keys too: what a leaked key did')
    .option('--after <cursor>', 'the endCursor of the previous page')
    .action(async (flags: ClientFlags & { status?: string; live?: boolean; first: string; after?: string; placedBy?: string }) => {
      const status = flags.status === undefined ? undefined : choice<OrderStatus>('--status', flags.status, ['OPEN', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'EXPIRED']);
      const first = pageSize(flags.first);
      const variables = { status, first, after: flags.after, ...(flags.live ? { live: true } : {}), ...(flags.placedBy !== undefined ? { apiKeyId: flags.placedBy } : {}) };
      const data = unwrapResult(await call((signal) => clientFor(flags, config.client).request(MyOrdersDocument, variables, { signal, onRetry })));
      const page = data.me?.orders ?? { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } };
      print(flags, { orders: page.nodes, pageInfo: page.pageInfo }, () => {
        if (page.pageInfo.hasNextPage) process.stderr.write(nextPageHint(page.pageInfo.endCursor, { '--status': flags.status, '--live': flags.live, '--placed-by': flags.placedBy }));
        return page.nodes.length === 0 ? 'no orders\n' : formatTable(ORDER_COLUMNS, page.nodes.map(orderRow));
      });
    });

  const order = program.command('order').description('Place or cancel an order.');
  withClientFlags(order.command('place').description('Place an order (LIMIT rests what does not fill; MARKET never rests); retried safely with one idempotency key.'))
    .requiredOption('--market <symbol>', 'e.g. BTC-USD')
    .requiredOption('--side <side>', 'BUY or SELL')
    .option('--type <type>', 'LIMIT or MARKET', 'LIMIT')
    .option('--price <decimal>', 'limit price, e.g. 30000 (LIMIT only)')
    .option('--quantity <decimal>', 'base quantity, e.g. 0.01')
    .option('--quote-quantity <decimal>', 'MARKET BUY only, instead of --quantity: spend at most this much of the quote asset')
    .option('--time-in-force <tif>', 'GTC, IOC or FOK (default GTC)')
    .option('--post-only', 'refuse the order if it would trade at placement (LIMIT GTC)')
    .option('--stp <mode>', 'self-trade prevention: CANCEL_NEWEST, CANCEL_OLDEST or CANCEL_BOTH (default CANCEL_NEWEST)')
    .option('--client-order-id <id>', 'your own id for the order, unique per account')
    .option('--idempotency-key <key>', 'reuse a key to retry a call safely (default: a new UUID, printed with the outcome or the failure)')
    .action(async (flags: ClientFlags & {
      market: string; side: string; type: string; price?: string; quantity?: string; quoteQuantity?: string; timeInForce?: string; postOnly?: boolean; stp?: string;
      clientOrderId?: string; idempotencyKey?: string;
    }) => {
      const input = {
        market: flags.market.toUpperCase(), side: choice<OrderSide>('--side', flags.side, ['BUY', 'SELL']), type: choice<OrderType>('--type', flags.type, ['LIMIT', 'MARKET']),
        ...(flags.price !== undefined ? { price: flags.price } : {}),
        ...(flags.quantity !== undefined ? { quantity: flags.quantity } : {}),
        ...(flags.quoteQuantity !== undefined ? { quoteQuantity: flags.quoteQuantity } : {}),
        ...(flags.timeInForce !== undefined ? { timeInForce: choice<TimeInForce>('--time-in-force', flags.timeInForce, ['GTC', 'IOC', 'FOK']) } : {}),
        ...(flags.postOnly ? { postOnly: true } : {}),
        ...(flags.stp !== undefined ? { selfTradePrevention: choice<SelfTradePrevention>('--stp', flags.stp, ['CANCEL_NEWEST', 'CANCEL_OLDEST', 'CANCEL_BOTH']) } : {}),
        ...(flags.clientOrderId ? { clientOrderId: flags.clientOrderId } : {}),
      };
      const keyed = keyedMutation(flags.idempotencyKey);
      const result = await call((signal) => clientFor(flags, config.client).request(PlaceOrderDocument, { input }, { idempotencyKey: keyed.idempotencyKey, signal, onRetry }), keyed);
      const payload = unwrapResult(result, keyed).placeOrder;
      const placed = payload?.order;
      if (!placed) throw missingPayload('placeOrder returned no order', keyed);
      const fills = payload?.fills ?? [];
      print(flags, { order: placed, fills, ...outcomeFields(result, keyed) }, () => describeOutcome({
        order: placed.id, 'client order id': placed.clientOrderId, market: placed.market, side: placed.side, type: placed.type, price: placed.price, quantity: placed.quantity, status: placed.status,
        reason: placed.statusReason, filled: placed.filledQuantity, 'average price': placed.averagePrice, fills: String(fills.length),
        // What is still reserved, which the balance's `held` shows; the hold at placement beside it (a filled order's is spent or released).
        held: `${placed.holdRemaining} ${placed.holdAsset} (${placed.holdAmount} ${placed.holdAsset} at placement)`,
      }, result, keyed));
    });

  withClientFlags(order.command('cancel-all').description('Cancel every live order of yours in one market (or all markets); none of them can fill afterwards.'))
    .option('--market <symbol>', 'only this market (default: every market)')
    .option('--placed-by <keyId>', 'only the orders this API key of yours placed, revoked keys too (default: every order)')
    .option('--idempotency-key <key>', 'reuse a key to retry a call safely (default: a new UUID, printed with the outcome or the failure)')
    .action(async (flags: ClientFlags & { market?: string; placedBy?: string; idempotencyKey?: string }) => {
      const variables = { ...(flags.market ? { market: flags.market.toUpperCase() } : {}), ...(flags.placedBy !== undefined ? { apiKeyId: flags.placedBy } : {}) };
      const keyed = keyedMutation(flags.idempotencyKey);
      const result = await call((signal) => clientFor(flags, config.client).request(CancelAllOrdersDocument, variables, { idempotencyKey: keyed.idempotencyKey, signal, onRetry }), keyed);
      const canceled = unwrapResult(result, keyed).cancelAllOrders?.orders;
      if (!canceled) throw missingPayload('cancelAllOrders returned no orders', keyed);
      print(flags, { orders: canceled, ...outcomeFields(result, keyed) }, () => describeOutcome({ canceled: String(canceled.length) }, result, keyed));
    });

  withClientFlags(program.command('fills').description('List your fills (your side of each trade), newest first (signed request).'))
    .option('--market <symbol>', 'only this market')
    .option('--first <n>', 'page size, 1-100', '20')
    .option('--after <cursor>', 'the endCursor of the previous page')
    .action(async (flags: ClientFlags & { market?: string; first: string; after?: string }) => {
      const variables = { first: pageSize(flags.first), after: flags.after, ...(flags.market ? { market: flags.market.toUpperCase() } : {}) };
      const data = unwrapResult(await call((signal) => clientFor(flags, config.client).request(MyFillsDocument, variables, { signal, onRetry })));
      const page = data.me?.fills ?? { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } };
      print(flags, { fills: page.nodes, pageInfo: page.pageInfo }, () => {
        if (page.pageInfo.hasNextPage) process.stderr.write(nextPageHint(page.pageInfo.endCursor, { '--market': flags.market }));
        return page.nodes.length === 0 ? 'no fills\n' : formatTable(['ORDER', 'MARKET', 'SIDE', 'PRICE', 'QUANTITY', 'QUOTE', 'FEE', 'LIQUIDITY', 'TIME'],
          // QUOTE: what the buyer paid and the seller received (the quote amount), not price × quantity.
          page.nodes.map((f) => [f.orderId, f.market, f.side, f.price, f.quantity, f.quoteAmount, `${f.fee} ${f.feeAsset}`, f.liquidity, f.createdAt]));
      });
    });

  withClientFlags(program.command('book <market>').description('Show a market\'s order book: aggregated price levels, best first (public: no credentials needed).'),
    'signs the request, so your account\'s rate limit applies instead of your address\'s; default: unsigned (SIGNET_KEY_ID etc. are not read)')
    .option('--depth <n>', 'levels per side, 1-100', '10')
    .action(async (market: string, flags: ClientFlags & { depth: string }) => {
      const depth = Number(flags.depth);
      if (!Number.isInteger(depth) || depth < 1 || depth > 100) throw new CliError('--depth must be an integer from 1 to 100', 2);
      const data = unwrapResult(await call((signal) => clientFor(flags, config.client, { credentials: 'explicit' }).request(OrderBookDocument, { market: market.toUpperCase(), depth }, { signal, onRetry })));
      const book = data.orderBook;
      if (!book) throw new CliError('orderBook returned no book');
      print(flags, book, () => {
        const rows = Array.from({ length: Math.max(book.bids.length, book.asks.length) }, (_, i) => [
          book.bids[i]?.orderCount.toString() ?? '', book.bids[i]?.quantity ?? '', book.bids[i]?.price ?? '', book.asks[i]?.price ?? '', book.asks[i]?.quantity ?? '', book.asks[i]?.orderCount.toString() ?? '',
        ]);
        return `${book.market}  sequence ${book.sequence}  last trade ${book.lastTradeSequence ?? 'none'}\n` + formatTable(['ORDERS', 'BID SIZE', 'BID', 'ASK', 'ASK SIZE', 'ORDERS'], rows);
      });
    });

  withClientFlags(order.command('cancel <id>').description('Cancel an open order; its hold is released.'))
    .option('--idempotency-key <key>', 'reuse a key to retry a call safely (default: a new UUID, printed with the outcome or the failure)')
    .action(async (id: string, flags: ClientFlags & { idempotencyKey?: string }) => {
      const keyed = keyedMutation(flags.idempotencyKey);
      const result = await call((signal) => clientFor(flags, config.client).request(CancelOrderDocument, { id }, { idempotencyKey: keyed.idempotencyKey, signal, onRetry }), keyed);
      const cancelled = unwrapResult(result, keyed).cancelOrder?.order;
      if (!cancelled) throw missingPayload('cancelOrder returned no order', keyed);
      print(flags, { order: cancelled, ...outcomeFields(result, keyed) }, () => describeOutcome({ order: cancelled.id, status: cancelled.status }, result, keyed));
    });

  withClientFlags(program.command('transfer').description('Send available funds to another account (final).'))
    .requiredOption('--to <account-id>', 'the receiving account id')
    .requiredOption('--asset <asset>', 'USD, BTC or ETH')
    .requiredOption('--amount <decimal>', 'e.g. 10')
    .option('--memo <text>', 'up to 140 characters, shown to both parties')
    .option('--client-transfer-id <id>', 'your own id for the transfer, unique per sending account and kept for good: a transfer with it is never made twice')
    .option('--idempotency-key <key>', 'reuse a key to retry a call safely (default: a new UUID, printed with the outcome or the failure)')
    .action(async (flags: ClientFlags & { to: string; asset: string; amount: string; memo?: string; clientTransferId?: string; idempotencyKey?: string }) => {
      const input = {
        toAccountId: flags.to, asset: choice<Asset>('--asset', flags.asset, ['USD', 'BTC', 'ETH']), amount: flags.amount, ...(flags.memo ? { memo: flags.memo } : {}),
        ...(flags.clientTransferId ? { clientTransferId: flags.clientTransferId } : {}),
      };
      const keyed = keyedMutation(flags.idempotencyKey);
      const result = await call((signal) => clientFor(flags, config.client).request(CreateTransferDocument, { input }, { idempotencyKey: keyed.idempotencyKey, signal, onRetry }), keyed);
      const transfer = unwrapResult(result, keyed).createTransfer?.transfer;
      if (!transfer) throw missingPayload('createTransfer returned no transfer', keyed);
      print(flags, { transfer, ...outcomeFields(result, keyed) }, () => describeOutcome(
        { transfer: transfer.id, 'client transfer id': transfer.clientTransferId, to: transfer.toAccountId, amount: `${transfer.amount} ${transfer.asset}`, memo: transfer.memo }, result, keyed));
    });
}
