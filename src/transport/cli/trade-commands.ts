import type { Command } from 'commander';
import {
  CancelOrderDocument, CreateTransferDocument, MeDocument, MyOrdersDocument, PlaceOrderDocument,
  type Asset, type OrderFieldsFragment, type OrderSide, type OrderStatus,
} from '@signet/sdk';
import type { SignetConfig } from '../../config';
import { CliError } from './cli-error';
import { call, clientFor, progressReporter, unwrapResult, type ClientFlags } from './trade-client';

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

/** Shared flags: where to send, which key signs, and the output format. */
function withClientFlags(command: Command): Command {
  return command
    .option('--credentials <file>', 'JSON with keyId and privateKey or secret (e.g. .signet/demo-credentials.json); default: SIGNET_KEY_ID + SIGNET_PRIVATE_KEY / SIGNET_SECRET')
    .option('--as <name>', 'which credential of a file that lists several (e.g. alice)')
    .option('--url <url>', 'server URL (default: SIGNET_URL, else http://127.0.0.1:4000)')
    .option('--json', 'machine-readable output');
}

/** One mutation result as `label  value` lines, with the key to reuse for a safe retry. */
function describeOutcome(fields: Record<string, string | null | undefined>, result: { replayed: boolean; idempotencyKey?: string }): string {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null) all[k] = v;
  if (result.idempotencyKey) all['idempotency key'] = result.idempotencyKey;
  if (result.replayed) all.replayed = 'yes: this key was used before, nothing ran again';
  const width = Math.max(...Object.keys(all).map((k) => k.length));
  return Object.entries(all).map(([k, v]) => `${k.padEnd(width)}  ${v}\n`).join('');
}

/** `balances`, `orders`, `order place|cancel`, `transfer`: signed trading calls through the SDK. */
export function registerTradeCommands(program: Command, config: SignetConfig): void {
  const onRetry = progressReporter();

  withClientFlags(program.command('balances').description('Show your balances (signed request).'))
    .action(async (flags: ClientFlags) => {
      const data = unwrapResult(await call((signal) => clientFor(flags, config.client).request(MeDocument, {}, { signal, onRetry })));
      const balances = data.me?.balances ?? [];
      print(flags, { account: data.me?.id, balances }, () => formatTable(['ASSET', 'AVAILABLE', 'HELD'], balances.map((b) => [b.asset, b.available, b.held])));
    });

  withClientFlags(program.command('orders').description('List your orders, newest first (signed request).'))
    .option('--status <status>', 'OPEN or CANCELED')
    .option('--first <n>', 'page size, 1-100', '20')
    .option('--after <cursor>', 'the endCursor of the previous page')
    .action(async (flags: ClientFlags & { status?: string; first: string; after?: string }) => {
      const status = flags.status === undefined ? undefined : choice<OrderStatus>('--status', flags.status, ['OPEN', 'CANCELED']);
      const first = Number(flags.first);
      if (!Number.isInteger(first) || first < 1 || first > 100) throw new CliError('--first must be an integer from 1 to 100', 2);
      const data = unwrapResult(await call((signal) => clientFor(flags, config.client).request(MyOrdersDocument, { status, first, after: flags.after }, { signal, onRetry })));
      const page = data.me?.orders ?? { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } };
      print(flags, { orders: page.nodes, pageInfo: page.pageInfo }, () => {
        if (page.pageInfo.hasNextPage) process.stderr.write(`more: --after ${page.pageInfo.endCursor}\n`);
        return page.nodes.length === 0 ? 'no orders\n' : formatTable(ORDER_COLUMNS, page.nodes.map(orderRow));
      });
    });

  const order = program.command('order').description('Place or cancel an order.');
  withClientFlags(order.command('place').description('Place a limit order; retried safely with one idempotency key.'))
    .requiredOption('--market <symbol>', 'e.g. BTC-USD')
    .requiredOption('--side <side>', 'BUY or SELL')
    .requiredOption('--price <decimal>', 'limit price, e.g. 30000')
    .requiredOption('--quantity <decimal>', 'e.g. 0.01')
    .option('--client-order-id <id>', 'your own id for the order, unique per account')
    .option('--idempotency-key <key>', 'reuse a key to retry a call safely (default: a new UUID)')
    .action(async (flags: ClientFlags & { market: string; side: string; price: string; quantity: string; clientOrderId?: string; idempotencyKey?: string }) => {
      const input = {
        market: flags.market.toUpperCase(), side: choice<OrderSide>('--side', flags.side, ['BUY', 'SELL']), price: flags.price, quantity: flags.quantity,
        ...(flags.clientOrderId ? { clientOrderId: flags.clientOrderId } : {}),
      };
      const result = await call((signal) => clientFor(flags, config.client).request(PlaceOrderDocument, { input }, { idempotencyKey: flags.idempotencyKey, signal, onRetry }));
      const placed = unwrapResult(result).placeOrder?.order;
      if (!placed) throw new CliError('placeOrder returned no order');
      print(flags, { order: placed, replayed: result.replayed, idempotencyKey: result.idempotencyKey }, () => describeOutcome(
        { order: placed.id, market: placed.market, side: placed.side, price: placed.price, quantity: placed.quantity, status: placed.status, hold: `${placed.holdAmount} ${placed.holdAsset}` }, result));
    });

  withClientFlags(order.command('cancel <id>').description('Cancel an open order; its hold is released.'))
    .option('--idempotency-key <key>', 'reuse a key to retry a call safely (default: a new UUID)')
    .action(async (id: string, flags: ClientFlags & { idempotencyKey?: string }) => {
      const result = await call((signal) => clientFor(flags, config.client).request(CancelOrderDocument, { id }, { idempotencyKey: flags.idempotencyKey, signal, onRetry }));
      const cancelled = unwrapResult(result).cancelOrder?.order;
      if (!cancelled) throw new CliError('cancelOrder returned no order');
      print(flags, { order: cancelled, replayed: result.replayed, idempotencyKey: result.idempotencyKey }, () => describeOutcome({ order: cancelled.id, status: cancelled.status }, result));
    });

  withClientFlags(program.command('transfer').description('Send available funds to another account (final).'))
    .requiredOption('--to <account-id>', 'the receiving account id')
    .requiredOption('--asset <asset>', 'USD, BTC or ETH')
    .requiredOption('--amount <decimal>', 'e.g. 10')
    .option('--memo <text>', 'up to 140 characters, shown to both parties')
    .option('--idempotency-key <key>', 'reuse a key to retry a call safely (default: a new UUID)')
    .action(async (flags: ClientFlags & { to: string; asset: string; amount: string; memo?: string; idempotencyKey?: string }) => {
      const input = { toAccountId: flags.to, asset: choice<Asset>('--asset', flags.asset, ['USD', 'BTC', 'ETH']), amount: flags.amount, ...(flags.memo ? { memo: flags.memo } : {}) };
      const result = await call((signal) => clientFor(flags, config.client).request(CreateTransferDocument, { input }, { idempotencyKey: flags.idempotencyKey, signal, onRetry }));
      const transfer = unwrapResult(result).createTransfer?.transfer;
      if (!transfer) throw new CliError('createTransfer returned no transfer');
      print(flags, { transfer, replayed: result.replayed, idempotencyKey: result.idempotencyKey }, () => describeOutcome(
        { transfer: transfer.id, to: transfer.toAccountId, amount: `${transfer.amount} ${transfer.asset}`, memo: transfer.memo }, result));
    });
}
