/**
 * The browser playground end to end: a real `signet serve` process, the bundled GraphiQL page in
 * headless Chromium, a wrong private key refused for alice's key id and her own one proven by the
 * server, an order placed with a signed mutation, replayed with its Idempotency-Key and read back.
 * Leaves a screenshot in test-artifacts/playground.png.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import { spawnSignet, type SignetProcess } from '../helpers/processes';

/** An executable file at `path`. */
function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The browser: CHROMIUM_PATH if set, else the first `chromium` on PATH, which is where .ci/run
 * looks for it (`command -v chromium`) before installing it.
 */
function findChromium(): { path?: string; missing: string } {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return isExecutable(configured) ? { path: configured, missing: '' } : { missing: `CHROMIUM_PATH=${configured} is not an executable file` };
  const path = (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'chromium')).find(isExecutable);
  return path ? { path, missing: '' } : { missing: 'no chromium on PATH; apt-get install chromium, or set CHROMIUM_PATH' };
}

const CHROMIUM = findChromium();
const TITLE = 'the playground in headless Chromium';
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

/** Replaces the request headers editor's text (the Headers tab is opened first so its model exists). */
async function setHeaders(page: Page, text: string): Promise<void> {
  await page.getByRole('button', { name: 'Headers', exact: true }).click({ timeout: STEP_MS });
  await page.waitForFunction(() => (globalThis as any).__MONACO?.editor.getModels().some((m: any) => m.uri.path.endsWith('request-headers.json')), undefined, { timeout: STEP_MS });
  await page.evaluate((value) => {
    const monaco = (globalThis as any).__MONACO;
    monaco.editor.getModels().find((m: any) => m.uri.path.endsWith('request-headers.json')).setValue(value);
  }, text);
}

/** Pastes a key id and private key into the signing panel and presses Sign requests. */
async function pasteKey(page: Page, keyId: string, privateKey: string): Promise<void> {
  await page.getByLabel('Key id').fill(keyId);
  await page.getByLabel('Private key or secret').fill(privateKey);
  await page.getByRole('button', { name: 'Sign requests' }).click();
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

// CI installs chromium before the tests: there a missing browser fails the run instead of skipping the suite unseen.
if (!CHROMIUM.path && process.env.CI === 'true') {
  test(`${TITLE}: chromium is installed on CI`, () => {
    throw new Error(`CI=true but ${CHROMIUM.missing}`);
  });
}

(CHROMIUM.path ? describe : describe.skip)(CHROMIUM.path ? TITLE : `${TITLE} (skipped: ${CHROMIUM.missing})`, () => {
  let dataDir: string;
  let server: SignetProcess | undefined;
  let browser: Browser | undefined;
  let alice: DemoCredential;
  let bob: DemoCredential;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'signet-playground-'));
    server = await spawnSignet({ SIGNET_DATA_DIR: dataDir });
    const file = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')) as { credentials: DemoCredential[] };
    alice = file.credentials.find((c) => c.name === 'alice')!;
    bob = file.credentials.find((c) => c.name === 'bob')!;
    browser = await chromium.launch({
      executablePath: CHROMIUM.path,
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

  test('a browser loads the playground, refuses a wrong key, signs with the demo key once proven, places an order, replays it and sees it in me.orders', async () => {
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
    const introspected = page.waitForResponse((r) => r.request().method() === 'POST' && (r.request().postData() ?? '').includes('SignetPlaygroundSchema'), { timeout: STEP_MS });
    const page1 = await page.goto(`${server!.url}/graphql`, { timeout: STEP_MS });
    expect(page1?.status()).toBe(200);
    expect((await introspected).status()).toBe(200);
    await page.waitForFunction(() => (globalThis as any).__MONACO?.editor.getModels().some((m: any) => m.uri.path.endsWith('operation.graphql')), undefined, { timeout: STEP_MS });
    // The schema fetch is GraphiQL's, not the user's: no "Last request" before the user runs one.
    await expect(page.locator('.signet-signing-last').count()).resolves.toBe(0);
    await page.getByText('Unsigned: public fields').waitFor({ timeout: STEP_MS });

    // The first screen holds a trade that fills once a key signs it (run below).
    const firstScreen: string = await page.evaluate(() => (globalThis as any).__MONACO.editor.getModels().find((m: any) => m.uri.path.endsWith('operation.graphql')).getValue());
    expect(firstScreen).toContain('mutation FirstTrade');
    await setOperation(page, 'Markets', 'query Markets { markets { symbol } }');
    const markets = await run(page, 'ETH-USD');
    expect(markets.data.markets).toEqual([{ symbol: 'BTC-USD' }, { symbol: 'ETH-USD' }]);
    await page.getByText('Last request: unsigned · HTTP 200').waitFor({ timeout: STEP_MS });

    // The docs come from introspection and carry the requirements the schema describes.
    await page.locator('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]').click();
    await page.locator('.graphiql-doc-explorer a', { hasText: /^Mutation$/ }).first().click({ timeout: STEP_MS });
    await page.locator('.graphiql-doc-explorer a', { hasText: /^placeOrder$/ }).first().click({ timeout: STEP_MS });
    await page.getByText('Requires a signed request with scope TRADE').waitFor({ timeout: STEP_MS });
    await expect(page.getByText(/Idempotent: retry safely with an idempotency key \(required\)/).count()).resolves.toBe(1);
    await expect(page.getByText(/Rate limit: 120 per 1m per account/).count()).resolves.toBe(1);

    // A private key that is not alice's, for alice's key id: the server refuses the check and nothing says signed.
    await pasteKey(page, alice.keyId, bob.privateKey);
    await page.getByText(`Refused (SIGNATURE_INVALID): this private key does not belong to key id ${alice.keyId}`).waitFor({ timeout: STEP_MS });
    await expect(page.getByText(/Signed as/).count()).resolves.toBe(0);
    await expect(page.getByLabel('Private key or secret').inputValue()).resolves.toBe('');
    // A key id typo is named here, before any request; it replaces the refusal above, which named alice's key id.
    const requestsBefore = sent.length;
    await pasteKey(page, 'key with space', bob.privateKey);
    await page.getByRole('alert').getByText('"key with space" is not a key id: 1–128 letters, digits, ".", "_" or "-".').waitFor({ timeout: STEP_MS });
    await expect(page.getByText(/Refused \(SIGNATURE_INVALID\)/).count()).resolves.toBe(0);
    await expect(page.locator('.signet-signing-status').textContent()).resolves.toMatch(/^Unsigned: /);
    // A public key pasted by mistake is named here too.
    const alicePublic = createPublicKey(createPrivateKey({ key: Buffer.from(alice.privateKey, 'base64'), format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' }).toString('base64');
    await pasteKey(page, alice.keyId, alicePublic);
    await page.getByRole('alert').getByText('This is an Ed25519 public key: paste the private key (MC4CAQAw…).').waitFor({ timeout: STEP_MS });
    expect(sent.length).toBe(requestsBefore);

    // Alice's own key: proven by one signed { me { id } }, then the panel says signed, with her account.
    await pasteKey(page, alice.keyId, alice.privateKey);
    await page.getByText(`Signed as ${alice.keyId} (account ${alice.accountId}; ed25519)`).waitFor({ timeout: STEP_MS });
    await page.getByText(`Public key (derived here): ${alicePublic}`).waitFor({ timeout: STEP_MS });
    await expect(page.getByLabel('Private key or secret').inputValue()).resolves.toBe('');
    const check = sent.at(-1)!;
    expect(check.postData()).toContain('SignetPlaygroundKeyCheck');
    expect(await check.headerValue('signature-input')).toContain(`keyid="${alice.keyId}"`);

    // The first screen's trade fills against the demo book (bob's asks from 30,100).
    await setOperation(page, 'FirstTrade', firstScreen);
    const traded = await run(page, '"status": "FILLED"');
    expect(traded.data.placeOrder.order).toMatchObject({ status: 'FILLED', filledQuantity: '0.001', averagePrice: '30100' });
    expect(traded.data.placeOrder.fills).toEqual([{ price: '30100', quantity: '0.001', fee: '0.000002', feeAsset: 'BTC', liquidity: 'TAKER' }]);

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
    // The Idempotency-Key is covered by the signature (the server refuses an uncovered one).
    expect(headers['signature-input']).toContain('"idempotency-key"');
    await page.getByText(`Last request: signed as ${alice.keyId} · Idempotency-Key ${headers['idempotency-key']} · HTTP 200`, { exact: true }).waitFor({ timeout: STEP_MS });

    // The same mutation again with its Idempotency-Key typed into the Headers tab: a replay, shown as one.
    await setHeaders(page, JSON.stringify({ 'Idempotency-Key': headers['idempotency-key'] }));
    await page.evaluate(() => {
      const model = (globalThis as any).__MONACO.editor.getModels().find((m: any) => m.uri.path.endsWith('response.json'));
      model.setValue('');
    });
    const replayed = await run(page, orderId);
    expect(replayed.data.placeOrder.order.id).toBe(orderId);
    const replayRequest = sent.at(-1)!;
    expect(await replayRequest.headerValue('idempotency-key')).toBe(headers['idempotency-key']);
    expect(await replayRequest.headerValue('signature-input')).toContain('"idempotency-key"');
    expect((await replayRequest.response())?.headers()['idempotent-replayed']).toBe('true');
    await page.getByText(`Idempotency-Key ${headers['idempotency-key']} · HTTP 200 · replay of an earlier request with this Idempotency-Key`).waitFor({ timeout: STEP_MS });
    await setHeaders(page, '');

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
    // The one refused key check above, which Chromium logs like any 4xx; nothing else.
    expect(problems).toEqual(['console error: Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
  }, 45_000);

  test('a key check the server refuses while its replay protection recovers waits Retry-After and tries again', async () => {
    const page = await browser!.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(`${server!.url}/playground`, { timeout: STEP_MS });
    await page.getByText('Unsigned: public fields').waitFor({ timeout: STEP_MS });
    // The first check gets what a just-restarted server answers (its window is too short to hit on
    // time from a test); the signed-again retry goes to the real server.
    const checks: Array<string | null> = [];
    await page.route('**/graphql', async (route) => {
      const request = route.request();
      if (!(request.postData() ?? '').includes('SignetPlaygroundKeyCheck')) return route.continue();
      checks.push(await request.headerValue('signature'));
      if (checks.length > 1) return route.continue();
      return route.fulfill({ status: 503, headers: { 'content-type': 'application/json', 'retry-after': '2' }, body: JSON.stringify({ errors: [{
        message: 'Replay protection restarted and cannot prove this signature unused; nothing ran. Sign the request again and retry after Retry-After.',
        extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true, reason: 'REPLAY_PROTECTION_RECOVERING', retryAfter: 2 },
      }] }) });
    });
    await pasteKey(page, alice.keyId, alice.privateKey);
    await page.getByText(`Checking key ${alice.keyId}: the server answered HTTP 503 SERVICE_UNAVAILABLE (REPLAY_PROTECTION_RECOVERING); trying again in 2 s (attempt 2 of 5).`).waitFor({ timeout: STEP_MS });
    await expect(page.getByText(/did not answer/).count()).resolves.toBe(0);
    await page.getByText(`Signed as ${alice.keyId} (account ${alice.accountId}; ed25519)`).waitFor({ timeout: STEP_MS });
    expect(checks).toHaveLength(2);
    expect(checks[1]).not.toBe(checks[0]);
    expect(problems).toEqual([]);
    await page.close();
  }, 30_000);
});
