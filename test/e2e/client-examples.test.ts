/**
 * The client examples (examples/clients/*.js) as their users run them, against a live server:
 * Apollo Client 4, urql (GET queries) and graphql-request each do a public query, a signed read
 * and a signed, keyed placeOrder, and read extensions.code and reason off a 401.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DomainServices } from '../../src/domain';
import { openEmbeddedSignet, type EmbeddedSignet, type RunningSignet } from '../helpers/signet-server';

const run = promisify(execFile);
const EXAMPLES = ['apollo-client', 'urql', 'graphql-request'] as const;

/** Runs one example with these credentials and returns its steps by name. */
async function runExample(name: string, env: Record<string, string>): Promise<Record<string, any>> {
  const { stdout } = await run(process.execPath, [join(__dirname, '..', '..', 'examples', 'clients', `${name}.js`)], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 });
  if (process.env.DEBUG_EXAMPLES) process.stderr.write(stdout);
  return Object.fromEntries(stdout.trim().split('\n').map((line) => {
    const step = JSON.parse(line);
    return [step.step, step];
  }));
}

describe.each(EXAMPLES)('the %s example', (example) => {
  let fixture: EmbeddedSignet;
  let services: DomainServices;
  let server: RunningSignet;
  let accountId: string;
  beforeAll(async () => {
    fixture = await openEmbeddedSignet({ USD: '100' }, `ex-${example}`);
    ({ services, server, accountId } = fixture);
  });
  afterAll(async () => fixture?.close());

  const credentials = async (algorithm: 'ed25519' | 'hmac-sha256'): Promise<Record<string, string>> => {
    const created = await services.apiKeys.createApiKey(accountId, { label: example, scopes: ['READ', 'TRADE'], algorithm });
    if (!created.ok) throw new Error('key creation failed');
    const { apiKey, privateKey, secret } = created.value;
    return { SIGNET_KEY_ID: apiKey.id, ...(privateKey ? { SIGNET_PRIVATE_KEY: privateKey } : { SIGNET_SECRET: secret as string }) };
  };

  test.each(['ed25519', 'hmac-sha256'] as const)('does a public query, a signed read and a signed keyed order with an %s key', async (algorithm) => {
    const steps = await runExample(example, { SIGNET_URL: server.url, ...(await credentials(algorithm)) });
    expect(steps.public.data.markets).toContainEqual(expect.objectContaining({ symbol: 'BTC-USD' }));
    expect(steps.read.data.me).toMatchObject({ id: accountId, balances: expect.arrayContaining([expect.objectContaining({ asset: 'USD' })]) });
    expect(steps.order.data.placeOrder).toMatchObject({ order: { id: expect.any(String), status: 'OPEN' }, userErrors: [] });
    const orders = await services.orders.listOrders(accountId, { limit: 100 });
    expect(orders.items.map((o) => o.id)).toContain(steps.order.data.placeOrder.order.id);
  });

  test('sees extensions.code and reason when the server answers 401', async () => {
    const good = await credentials('ed25519');
    const other = await credentials('ed25519');
    // The key id of one key with the private key of another: the signature does not verify.
    const steps = await runExample(example, { SIGNET_URL: server.url, SIGNET_KEY_ID: good.SIGNET_KEY_ID, SIGNET_PRIVATE_KEY: other.SIGNET_PRIVATE_KEY });
    expect(steps.public.data.markets.length).toBeGreaterThan(0);
    expect(steps.read.error).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SIGNATURE_INVALID' });
    expect(steps.order.error).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SIGNATURE_INVALID' });
  });
});
