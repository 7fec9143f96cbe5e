/**
 * examples/trading-bot.js against a spawned embedded server with the demo credentials: killed
 * with SIGKILL while an order rests, restarted, and then checked for duplicates and a ledger
 * that reconciles (through the API, then in the data directory after the server stops).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEM_ACCOUNT_IDS } from '../../src/domain';
import { parseConfig } from '../../src/config';
import { createLogger, openRuntime } from '../../src/runtime';
import { createSignetClient, MeDocument, MyOrdersDocument, OrderDocument, PlaceOrderDocument, type OrderFieldsFragment } from '@signet/sdk';
import { startFlagCheckStub, type FlagCheckStub } from '../helpers/flag-check-stub';
import { embeddedProcessPerSuite, spawnSignet, type SignetProcess } from '../helpers/processes';

const BOT = join(__dirname, '..', '..', 'examples', 'trading-bot.js');
const ITERATIONS = 5;

/** A bot process and everything it printed. */
function startBot(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BOT, ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  return { child, output: () => output, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

function waitFor(output: () => string, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const match = pattern.exec(output());
      if (match) {
        clearInterval(poll);
        resolve(match);
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${pattern}:\n${output()}`));
      }
    }, 5);
  });
}

describe('the example trading bot survives SIGKILL and a restart', () => {
  let dataDir: string;
  let server: SignetProcess;
  let args: string[];
  let alice: { keyId: string; privateKey: string; accountId: string };

  beforeAll(async () => {
    expect(existsSync(join(__dirname, '..', '..', 'packages', 'sdk', 'dist', 'index.js'))).toBe(true); // built by the global setup
    dataDir = mkdtempSync(join(tmpdir(), 'signet-bot-'));
    server = await spawnSignet({ SIGNET_DATA_DIR: dataDir });
    const credentials = join(dataDir, 'demo-credentials.json');
    alice = JSON.parse(readFileSync(credentials, 'utf8')).credentials.find((c: { name: string }) => c.name === 'alice');
    args = ['--url', server.url, '--credentials', credentials, '--as', 'alice', '--iterations', String(ITERATIONS), '--state', join(dataDir, 'bot-state.json'), '--rest-ms', '600'];
  }, 60_000);
  afterAll(async () => {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('killed while step 2 rests, the restarted bot cancels the leftover, replays step 2 and finishes', async () => {
    const first = startBot(args);
    const [, killedOrderId] = await waitFor(first.output, /step 2: placed (\S+)\n/);
    await waitFor(first.output, /step 2: \d+ live order/);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    expect(first.output()).not.toMatch(/step 2: cancelled/);

    const second = startBot(args);
    expect(await second.exited).toBe(0);
    const out = second.output();
    expect(out).toMatch(/starting at step 2 of 5/);
    expect(out).toMatch(/cancelled 1 live order\(s\) left by an earlier run/);
    expect(out).toContain(`step 2: placed ${killedOrderId} (replayed)`);
    expect(out).toMatch(/step 4: cancelled \S+\n/);
    expect(out).toMatch(/done after 5 steps/);

    // A third run has nothing left to do and places nothing.
    const third = startBot(args);
    expect(await third.exited).toBe(0);
    expect(third.output()).not.toMatch(/placed/);
  }, 60_000);

  test('through the API: exactly one order per step, none open, and no funds left on hold', async () => {
    const client = createSignetClient({ url: server.url, keyId: alice.keyId, privateKey: alice.privateKey });
    const orders: OrderFieldsFragment[] = [];
    let after: string | null | undefined;
    do {
      const page = (await client.request(MyOrdersDocument, { first: 100, after })).data?.me?.orders;
      orders.push(...(page?.nodes ?? []));
      after = page?.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    const steps = orders.map((o) => o.clientOrderId?.replace(/^bot-[0-9a-f]{8}-/, ''));
    expect(steps.sort()).toEqual(['0', '1', '2', '3', '4']);
    expect(orders.every((o) => o.status === 'CANCELED')).toBe(true);
    const me = await client.request(MeDocument, {});
    expect(me.data?.me?.balances).toEqual(expect.arrayContaining([{ asset: 'USD', available: '100000', held: '0' }]));
  });

  test('in the data directory after shutdown: every journal balances and the ledger sums to the balances', async () => {
    expect(await server.stop()).toBe(0);
    const runtime = await openRuntime(parseConfig({ SIGNET_DATA_DIR: dataDir }), createLogger('silent'));
    try {
      const sql = runtime.driver;
      expect(await sql.query('SELECT journal_id FROM ledger_entries GROUP BY journal_id, asset HAVING sum(amount) <> 0')).toEqual([]);
      // The system accounts' balances are their ledger sums: the fee account's rows from migration 3 are no longer written.
      const drift = await sql.query(`
        SELECT b.account_id, b.asset FROM balances b
        LEFT JOIN (SELECT account_id, asset, sum(amount) FILTER (WHERE bucket = 'available') AS available, sum(amount) FILTER (WHERE bucket = 'held') AS held
                   FROM ledger_entries GROUP BY account_id, asset) l ON l.account_id = b.account_id AND l.asset = b.asset
        WHERE b.account_id <> ALL($1::uuid[]) AND (b.available <> coalesce(l.available, 0) OR b.held <> coalesce(l.held, 0))`, [SYSTEM_ACCOUNT_IDS]);
      expect(drift).toEqual([]);
      const [orders] = await sql.query<{ total: string; distinct_ids: string }>(
        'SELECT count(*) AS total, count(DISTINCT client_order_id) AS distinct_ids FROM orders WHERE account_id = $1', [alice.accountId]);
      expect({ total: Number(orders.total), distinct: Number(orders.distinct_ids) }).toEqual({ total: ITERATIONS, distinct: ITERATIONS });
      // The bot's orders only (bob's seeded demo book holds too).
      const journals = await sql.query<{ kind: string; n: string }>(
        "SELECT kind, count(*) AS n FROM journals WHERE kind LIKE 'ORDER_%' AND reference IN (SELECT id::text FROM orders WHERE account_id = $1) GROUP BY kind ORDER BY kind",
        [alice.accountId],
      );
      expect(journals.map((j) => [j.kind, Number(j.n)])).toEqual([['ORDER_HOLD', ITERATIONS], ['ORDER_RELEASE', ITERATIONS]]);
    } finally {
      await runtime.close();
    }
  }, 60_000);
});

describe('the example trading bot on start cancels a partly filled order an earlier run left', () => {
  const suite = embeddedProcessPerSuite('signet-bot-partial');

  test('a bot order that took part of the demo ask (PARTIALLY_FILLED) is canceled like an OPEN one', async () => {
    const { server, dataDir, credentialsFile: credentials } = suite;
    const alice = JSON.parse(readFileSync(credentials, 'utf8')).credentials.find((c: { name: string }) => c.name === 'alice');
    const client = createSignetClient({ url: server.url, keyId: alice.keyId, privateKey: alice.privateKey });
    // Bob's demo book offers 0.3 BTC at 30,100: 0.5 takes it and rests with 0.2 left.
    const placed = await client.request(PlaceOrderDocument, { input: { market: 'BTC-USD', side: 'BUY', price: '30100', quantity: '0.5', clientOrderId: 'bot-earlier-0' } });
    expect(placed.data?.placeOrder?.order).toMatchObject({ status: 'PARTIALLY_FILLED', filledQuantity: '0.3', remainingQuantity: '0.2' });

    const bot = startBot(['--url', server.url, '--credentials', credentials, '--as', 'alice', '--iterations', '0', '--state', join(dataDir, 'bot-state.json')]);
    expect(await bot.exited).toBe(0);
    expect(bot.output()).toMatch(/cancelled 1 live order\(s\) left by an earlier run/);
    const order = await client.request(OrderDocument, { id: placed.data!.placeOrder!.order!.id });
    expect(order.data?.order).toMatchObject({ status: 'CANCELED', filledQuantity: '0.3', holdRemaining: '0' });
  }, 60_000);
});

describe('the example trading bot refuses bad flags before it does anything', () => {
  let stub: FlagCheckStub;
  beforeAll(async () => {
    stub = await startFlagCheckStub('signet-bot-flags-', { data: { me: { orders: { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } } } } });
  });
  afterAll(async () => {
    await stub?.close();
  });

  test.each([
    [['--frob'], /^trading-bot: Unknown option '--frob'$/],
    [['now'], /^trading-bot: Unexpected argument 'now'$/],
    [['--iterations', 'abc'], /^trading-bot: --iterations \(or BOT_ITERATIONS\) must be a whole number of steps, such as 10 \(got "abc"\)$/],
    [['--rest-ms', '1.5'], /^trading-bot: --rest-ms \(or BOT_REST_MS\) must be a whole number of milliseconds/],
    [['--url', 'ftp://example.test'], /^trading-bot: --url \(or SIGNET_URL\) must be an http:\/\/ or https:\/\/ URL/],
  ])('%j: one line naming the flag, the usage, exit code 2, and no state written', async (flags, message) => {
    const state = join(stub.dir, 'bot-state.json');
    const bot = startBot(['--url', stub.url, '--credentials', stub.credentialsFile, '--as', 'alice', '--state', state, ...flags]);
    expect(await bot.exited).toBe(2);
    expect(bot.output().split('\n')).toEqual([expect.stringMatching(message), expect.stringMatching(/^usage: node examples\/trading-bot\.js \[--url URL\]/), '']);
    expect(stub.requests()).toBe(0);
    expect(existsSync(state)).toBe(false);
  });
});
