/**
 * The demo where orders fill: a fresh embedded server seeds bob's two-sided book, so alice's
 * first MARKET order fills; then examples/market-maker.js (as alice) quotes both sides of every
 * market around the book's mid, post-only, and keeps them two-sided across rounds.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSignetClient, MyOrdersDocument, OrderBookDocument, PlaceOrderDocument } from '@signet/sdk';
import { startFlagCheckStub, type FlagCheckStub } from '../helpers/flag-check-stub';
import { embeddedProcessPerSuite, spawnSignet, type SignetProcess } from '../helpers/processes';

const MARKET_MAKER = join(__dirname, '..', '..', 'examples', 'market-maker.js');

function runExample(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [MARKET_MAKER, ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) => child.once('exit', (code) => { clearTimeout(timer); resolve({ code, output }); }));
}

describe('the demo book and the example market maker', () => {
  let dataDir: string;
  let server: SignetProcess;
  let credentialsFile: string;
  let alice: ReturnType<typeof createSignetClient>;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'signet-mm-'));
    server = await spawnSignet({ SIGNET_DATA_DIR: dataDir });
    credentialsFile = join(dataDir, 'demo-credentials.json');
    const { credentials } = JSON.parse(readFileSync(credentialsFile, 'utf8'));
    const me = credentials.find((c: { name: string }) => c.name === 'alice');
    alice = createSignetClient({ url: server.url, keyId: me.keyId, alg: 'ed25519', privateKey: me.privateKey });
  }, 60_000);
  afterAll(async () => {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a newcomer\'s first MARKET order fills against the seeded book', async () => {
    const result = await alice.request(PlaceOrderDocument, { input: { market: 'BTC-USD', side: 'BUY', type: 'MARKET', quantity: '0.01' } });
    expect(result.errors).toEqual([]);
    expect(result.userErrors).toEqual([]);
    expect(result.data?.placeOrder?.order).toMatchObject({ status: 'FILLED', filledQuantity: '0.01', averagePrice: '30100' });
    expect(result.data?.placeOrder?.fills).toEqual([expect.objectContaining({ price: '30100', quantity: '0.01', liquidity: 'TAKER', fee: '0.00002', feeAsset: 'BTC' })]);
  });

  test('the market maker quotes both sides of every market around the mid, and re-quotes without piling up', async () => {
    // An order of alice's own, far from the quotes: the market maker must leave it alone.
    const own = await alice.request(PlaceOrderDocument, { input: { market: 'BTC-USD', side: 'BUY', type: 'LIMIT', price: '20000', quantity: '0.01', clientOrderId: 'alice-own-1' } });
    expect(own.data?.placeOrder?.order?.status).toBe('OPEN');
    const run = await runExample(['--url', server.url, '--credentials', credentialsFile, '--as', 'alice', '--rounds', '2', '--interval-ms', '50']);
    expect(run.output).toMatch(/market maker: done after 2 round\(s\)/);
    expect(run.code).toBe(0);
    // Bob's seeded book: 29,900 / 30,100 (BTC), 1,995 / 2,005 (ETH); half-spread 0.1 %.
    expect(run.output).toMatch(/round 1: BTC-USD reference 30000: BUY 0\.01 @ 29970, SELL 0\.01 @ 30030/);
    expect(run.output).toMatch(/round 1: ETH-USD reference 2000: BUY 0\.01 @ 1998, SELL 0\.01 @ 2002/);
    for (const [market, bid, ask] of [['BTC-USD', '29970', '30030'], ['ETH-USD', '1998', '2002']]) {
      const book = (await alice.request(OrderBookDocument, { market, depth: 5 })).data?.orderBook;
      expect(book?.bids[0]).toEqual({ price: bid, quantity: '0.01', orderCount: 1 });
      expect(book?.asks[0]).toEqual({ price: ask, quantity: '0.01', orderCount: 1 });
    }
    // Each round canceled the previous one's quotes, and only those: two per market are live, no
    // more, and alice's own order survived both rounds.
    const live = async () => ((await alice.request(MyOrdersDocument, { live: true, first: 100 })).data?.me?.orders?.nodes ?? []).map((o) => `${o.market} ${o.side} ${o.price} ${o.clientOrderId}`).sort();
    const quotes = (run: string) => ['BTC-USD BUY 29970', 'BTC-USD SELL 30030', 'ETH-USD BUY 1998', 'ETH-USD SELL 2002'].map((q) => expect.stringMatching(new RegExp(`^${q} mm-${run}-`)));
    const afterFirst = await live();
    expect(afterFirst).toEqual(['BTC-USD BUY 20000 alice-own-1', ...quotes('[0-9a-f]{8}-1')]);

    // A second run cancels the quotes the first one left (by their clientOrderId), and still not alice's order.
    const again = await runExample(['--url', server.url, '--credentials', credentialsFile, '--as', 'alice', '--rounds', '1', '--interval-ms', '50']);
    expect(again.output).toMatch(/canceled 4 quote\(s\) an earlier run left/);
    expect(again.code).toBe(0);
    const afterSecond = await live();
    expect(afterSecond).toEqual(['BTC-USD BUY 20000 alice-own-1', ...quotes('[0-9a-f]{8}-0')]);
    expect(afterSecond.filter((o) => afterFirst.includes(o))).toEqual(['BTC-USD BUY 20000 alice-own-1']);
  });
});

describe('the example market maker under a placeOrder rate limit', () => {
  // 3 quotes per 5 s: a round of 4 quotes cannot fit in one window, even when a loaded machine
  // takes seconds over them (with 2 s windows, a slow round could straddle two).
  const suite = embeddedProcessPerSuite('signet-mm-limited', { SIGNET_RATE_LIMITS: JSON.stringify({ 'Mutation.placeOrder': { max: 3, window: '5s' } }) });

  test('a quote refused with RATE_LIMITED waits the seconds the server names and is placed, once', async () => {
    const { server, credentialsFile } = suite;
    const run = await runExample(['--url', server.url, '--credentials', credentialsFile, '--as', 'alice', '--rounds', '2', '--interval-ms', '0']);
    expect(run.output).toMatch(/rate-limited \(.*placeOrder.*\): waiting [1-5] s/);
    expect(run.output).toMatch(/market maker: done after 2 round\(s\)/);
    expect(run.code).toBe(0);
    const { credentials } = JSON.parse(readFileSync(credentialsFile, 'utf8'));
    const me = credentials.find((c: { name: string }) => c.name === 'alice');
    const alice = createSignetClient({ url: server.url, keyId: me.keyId, alg: 'ed25519', privateKey: me.privateKey });
    const live = (await alice.request(MyOrdersDocument, { live: true, first: 100 })).data?.me?.orders?.nodes ?? [];
    // The last round's four quotes, each once.
    expect(live.map((o) => `${o.market} ${o.side}`).sort()).toEqual(['BTC-USD BUY', 'BTC-USD SELL', 'ETH-USD BUY', 'ETH-USD SELL']);
  }, 60_000);
});

describe('the example market maker refuses bad flags before it sends anything', () => {
  let stub: FlagCheckStub;
  beforeAll(async () => {
    stub = await startFlagCheckStub('signet-mm-flags-', { data: { markets: [] } });
  });
  afterAll(async () => {
    await stub?.close();
  });

  test.each([
    [['--frob'], /^market-maker: Unknown option '--frob'$/],
    [['--rounds', 'abc'], /^market-maker: --rounds must be a whole number of rounds, such as 10 \(got "abc"\)$/],
    [['--half-spread', 'abc'], /^market-maker: --half-spread must be a fraction of the price below 1, such as 0\.001 \(got "abc"\)$/],
    [['--interval-ms', 'soon'], /^market-maker: --interval-ms must be a whole number of milliseconds/],
    [['--interval-ms', '-5'], /^market-maker: Option '--interval-ms' argument is ambiguous$/],
    [['--rounds'], /^market-maker: Option '--rounds <value>' argument missing$/],
    [['--size', '0'], /^market-maker: --size must be a quantity above 0/],
    [['--btc', '30k'], /^market-maker: --btc must be a price above 0/],
  ])('%j: one line naming the flag, the usage, exit code 2', async (flags, message) => {
    const run = await runExample(['--url', stub.url, '--credentials', stub.credentialsFile, '--as', 'alice', ...flags]);
    expect(run.output.split('\n')).toEqual([expect.stringMatching(message), expect.stringMatching(/^usage: node examples\/market-maker\.js \[--url URL\]/), '']);
    expect(run.code).toBe(2);
    expect(stub.requests()).toBe(0);
  });
});
