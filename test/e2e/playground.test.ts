/**
 * The browser playground end to end: a real `signet serve` process, the bundled GraphiQL page in
 * headless Chromium, the demo key pasted into the signing panel, an order placed with a signed
 * mutation and read back. Leaves a screenshot in test-artifacts/playground.png.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import { spawnSignet, type SignetProcess } from '../helpers/processes';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const describeInBrowser = haveChromium ? describe : describe.skip;
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
/** Per-step bound inside the page; the whole file stays under a minute. */
const STEP_MS = 15_000;

interface DemoCredential { name: string; keyId: string; privateKey: string; accountId: string }

/**
 * Replaces the operation editor's text through Monaco's model API (typing would trigger bracket
 * auto-closing), then waits for the tab to take the operation's name: GraphiQL reads edits after a
 * 100 ms debounce, and running before that would send the previous operation name.
 */
async function setOperation(page: Page, name: string, text: string): Promise<void> {
  await page.evaluate((value) => {
    const monaco = (globalThis as any).__MONACO;
    monaco.editor.getModels().find((m: any) => m.uri.path.endsWith('operation.graphql')).setValue(value);
  }, text);
  await page.locator('.graphiql-tab-active').getByText(name, { exact: true }).waitFor({ timeout: STEP_MS });
}

/** Runs what is in the editor and waits until the response pane shows `expected`; returns the parsed response. */
async function run(page: Page, expected: string): Promise<any> {
  const response = () => page.evaluate(() => (globalThis as any).__MONACO?.editor.getModels().find((m: any) => m.uri.path.endsWith('response.json'))?.getValue() as string | undefined);
  await page.locator('.graphiql-execute-button').click();
  try {
    await page.waitForFunction((want) => {
      const model = (globalThis as any).__MONACO?.editor.getModels().find((m: any) => m.uri.path.endsWith('response.json'));
      return model?.getValue().includes(want) === true;
    }, expected, { timeout: STEP_MS });
  } catch (error) {
    // Say what the page showed instead: a timeout alone does not tell a 401 from a typo.
    throw new Error(`the response never showed ${expected}; it shows:\n${await response()}`, { cause: error });
  }
  return JSON.parse((await response()) ?? '');
}

describeInBrowser(haveChromium ? 'the playground in headless Chromium' : `the playground in headless Chromium (skipped: ${CHROMIUM} is missing; apt-get install chromium)`, () => {
  let dataDir: string;
  let server: SignetProcess | undefined;
  let browser: Browser | undefined;
  let alice: DemoCredential;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'signet-playground-'));
    server = await spawnSignet({ SIGNET_DATA_DIR: dataDir });
    const file = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')) as { credentials: DemoCredential[] };
    alice = file.credentials.find((c) => c.name === 'alice')!;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      timeout: STEP_MS,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 40_000);
  afterAll(async () => {
    await browser?.close();
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a browser loads the playground, queries, signs with the demo key, places an order and sees it in me.orders', async () => {
    const page = await browser!.newPage({ viewport: { width: 1440, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    const sent: Request[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/graphql') sent.push(request);
    });

    // A browser visiting /graphql gets the page, like /playground; it introspects the schema at once.
    const page1 = await page.goto(`${server!.url}/graphql`, { timeout: STEP_MS });
    expect(page1?.status()).toBe(200);
    await page.getByText('Last request: unsigned · HTTP 200').waitFor({ timeout: STEP_MS });
    await page.waitForFunction(() => (globalThis as any).__MONACO?.editor.getModels().some((m: any) => m.uri.path.endsWith('operation.graphql')), undefined, { timeout: STEP_MS });

    await setOperation(page, 'Markets', 'query Markets { markets { symbol } }');
    const markets = await run(page, 'ETH-USD');
    expect(markets.data.markets).toEqual([{ symbol: 'BTC-USD' }, { symbol: 'ETH-USD' }]);

    // The docs come from introspection and carry the requirements the schema describes.
    await page.locator('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]').click();
    await page.locator('.graphiql-doc-explorer a', { hasText: /^Mutation$/ }).first().click({ timeout: STEP_MS });
    await page.locator('.graphiql-doc-explorer a', { hasText: /^placeOrder$/ }).first().click({ timeout: STEP_MS });
    await page.getByText('Requires a signed request with scope TRADE').waitFor({ timeout: STEP_MS });
    await expect(page.getByText(/Idempotent: retry safely with an idempotency key \(required\)/).count()).resolves.toBe(1);
    await expect(page.getByText(/Rate limit: 120 per 1m per account/).count()).resolves.toBe(1);

    // Paste alice's demo key: the panel keeps a CryptoKey in memory and clears the text.
    await page.getByLabel('Key id').fill(alice.keyId);
    await page.getByLabel('Private key or secret').fill(alice.privateKey);
    await page.getByRole('button', { name: 'Sign requests' }).click();
    await page.getByText(`Signing every request as ${alice.keyId} (ed25519)`).waitFor({ timeout: STEP_MS });
    await expect(page.getByLabel('Private key or secret').inputValue()).resolves.toBe('');

    await setOperation(page, 'PlaceOrder', 'mutation PlaceOrder {\n  placeOrder(input: { market: "BTC-USD", side: BUY, price: "30000", quantity: "0.01" }) {\n    order { id status }\n    userErrors { code message }\n  }\n}\n');
    const placed = await run(page, '"status": "OPEN"');
    expect(placed.errors).toBeUndefined();
    expect(placed.data.placeOrder.userErrors).toEqual([]);
    const orderId: string = placed.data.placeOrder.order.id;
    const mutation = sent.at(-1)!;
    const headers = await mutation.allHeaders();
    expect(headers['content-type']).toBe('application/json');
    expect(headers['idempotency-key']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(headers['signature-input']).toContain(`keyid="${alice.keyId}"`);
    await page.getByText(`Idempotency-Key ${headers['idempotency-key']}`).waitFor({ timeout: STEP_MS });

    await setOperation(page, 'MyOrders', 'query MyOrders {\n  me {\n    orders {\n      nodes { id status }\n    }\n  }\n}\n');
    const mine = await run(page, orderId);
    expect(mine.data.me.orders.nodes).toContainEqual({ id: orderId, status: 'OPEN' });
    expect(await (sent.at(-1)!).headerValue('idempotency-key')).toBeNull();

    // The key never left the page and was never stored.
    for (const request of sent) {
      expect(JSON.stringify(await request.allHeaders()) + (request.postData() ?? '')).not.toContain(alice.privateKey.slice(20, 60));
    }
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    expect(stored).not.toContain(alice.privateKey.slice(20, 60));

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'playground.png') });
    expect(problems).toEqual([]);
  }, 45_000);
});
