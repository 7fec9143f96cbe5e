import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLoopbackHost, type SignetConfig } from '../../config';
import { ALL_SCOPES, type DomainServices } from '../../domain';

/** One demo identity: an account and its all-scope Ed25519 key. */
export interface DemoCredential { readonly name: string; readonly accountId: string; readonly keyId: string; readonly algorithm: 'ed25519'; readonly privateKey: string }

const DEMO_ACCOUNTS: ReadonlyArray<{ name: string; deposits: Record<string, string> }> = [
  { name: 'alice', deposits: { USD: '100000', BTC: '10', ETH: '100' } },
  { name: 'bob', deposits: { USD: '50000', BTC: '5', ETH: '50' } },
];

/**
 * The resting liquidity bob quotes at start (a two-sided book around the default price table), so
 * a newcomer's first MARKET order fills: BTC-USD 29,900/29,800 bids and 30,100/30,200 asks of
 * 0.3 BTC, ETH-USD 1,995/1,990 bids and 2,005/2,010 asks of 3 ETH. It holds 29,865 USD, 0.6 BTC and 6 ETH of bob's.
 * Each market's quotes are listed nearest the price first, bid and ask in turn: with an open-order
 * cap under four (SIGNET_MAX_OPEN_ORDERS), the first ones of each market are quoted, so the book
 * stays two-sided from a cap of two.
 */
export const DEMO_LIQUIDITY: ReadonlyArray<{ market: string; side: 'BUY' | 'SELL'; price: string; quantity: string }> = [
  { market: 'BTC-USD', side: 'BUY', price: '29900', quantity: '0.3' },
  { market: 'BTC-USD', side: 'SELL', price: '30100', quantity: '0.3' },
  { market: 'BTC-USD', side: 'BUY', price: '29800', quantity: '0.3' },
  { market: 'BTC-USD', side: 'SELL', price: '30200', quantity: '0.3' },
  { market: 'ETH-USD', side: 'BUY', price: '1995', quantity: '3' },
  { market: 'ETH-USD', side: 'SELL', price: '2005', quantity: '3' },
  { market: 'ETH-USD', side: 'BUY', price: '1990', quantity: '3' },
  { market: 'ETH-USD', side: 'SELL', price: '2010', quantity: '3' },
];
/** Who quotes {@link DEMO_LIQUIDITY}. */
const LIQUIDITY_PROVIDER = 'bob';

/** Whether `serve` seeds the demo accounts, and why (or why not), for the start-up log. */
export interface DemoSeedDecision { readonly seed: boolean; readonly reason: string }

/**
 * Seeding needs all of: not production, SIGNET_DEMO_SEED on (its default outside production,
 * without DATABASE_URL and with a loopback HOST), the embedded database, and that database created
 * by this very start. Config validation already refuses an explicit request in production; the
 * production check here is the second lock, so no config path can put funded all-scope keys on a
 * production server.
 */
export function demoSeedDecision(config: Pick<SignetConfig, 'production' | 'demoSeed' | 'databaseUrl' | 'host'>, freshDatabase: boolean): DemoSeedDecision {
  if (config.production) return { seed: false, reason: 'NODE_ENV=production never seeds demo accounts' };
  if (!config.demoSeed) {
    return { seed: false, reason: isLoopbackHost(config.host) ? 'SIGNET_DEMO_SEED is off' : `SIGNET_DEMO_SEED is off: its default when HOST (${config.host}) is not a loopback address (set SIGNET_DEMO_SEED=true to seed anyway)` };
  }
  if (config.databaseUrl) return { seed: false, reason: 'demo accounts are seeded into the embedded database only' };
  if (!freshDatabase) return { seed: false, reason: 'the embedded database already existed' };
  return { seed: true, reason: 'new embedded database and SIGNET_DEMO_SEED on' };
}

/**
 * Seeds alice and bob with balances and one all-scope Ed25519 key each, bob's resting orders
 * ({@link DEMO_LIQUIDITY}), and writes the credentials to `<dataDir>/demo-credentials.json` (mode
 * 0600). Only when {@link demoSeedDecision} says so.
 */
export async function seedDemo(services: DomainServices, dataDir: string): Promise<{ credentials: DemoCredential[]; path: string }> {
  const credentials: DemoCredential[] = [];
  for (const demo of DEMO_ACCOUNTS) {
    const account = await services.accounts.createAccount(demo.name);
    if (!account.ok) throw new Error(`demo seed: ${account.errors[0].message}`);
    for (const [asset, amount] of Object.entries(demo.deposits)) {
      const deposit = await services.accounts.deposit(account.value.id, asset, amount);
      if (!deposit.ok) throw new Error(`demo seed: ${deposit.errors[0].message}`);
    }
    const key = await services.apiKeys.createApiKey(account.value.id, { label: 'demo', scopes: ALL_SCOPES, algorithm: 'ed25519' });
    if (!key.ok || !key.value.privateKey) throw new Error('demo seed: key creation failed');
    credentials.push({ name: demo.name, accountId: account.value.id, keyId: key.value.apiKey.id, algorithm: 'ed25519', privateKey: key.value.privateKey });
    if (demo.name === LIQUIDITY_PROVIDER) await quoteDemoLiquidity(services, account.value.id);
  }
  const path = join(dataDir, 'demo-credentials.json');
  writeFileSync(path, JSON.stringify({ credentials }, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return { credentials, path };
}

/** Places {@link DEMO_LIQUIDITY}, as many per market as the open-order cap allows (a cap of 1 would otherwise stop `serve`). */
async function quoteDemoLiquidity(services: DomainServices, accountId: string): Promise<void> {
  const cap = services.orders.maxOpenOrders ?? Number.POSITIVE_INFINITY;
  const quoted = new Map<string, number>();
  for (const [index, quote] of DEMO_LIQUIDITY.entries()) {
    const inMarket = quoted.get(quote.market) ?? 0;
    if (inMarket >= cap) continue;
    quoted.set(quote.market, inMarket + 1);
    const placed = await services.orders.placeOrder(accountId, { ...quote, type: 'LIMIT', postOnly: true, clientOrderId: `demo-liquidity-${index + 1}` });
    if (!placed.ok) throw new Error(`demo seed: ${placed.errors[0].message}`);
  }
}
