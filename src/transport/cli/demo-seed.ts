import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_SCOPES, type DomainServices } from '../../domain';

/** One demo identity: an account and its all-scope Ed25519 key. */
export interface DemoCredential { readonly name: string; readonly accountId: string; readonly keyId: string; readonly algorithm: 'ed25519'; readonly privateKey: string }

const DEMO_ACCOUNTS: ReadonlyArray<{ name: string; deposits: Record<string, string> }> = [
  { name: 'alice', deposits: { USD: '100000', BTC: '10', ETH: '100' } },
  { name: 'bob', deposits: { USD: '50000', BTC: '5', ETH: '50' } },
];

/**
 * Seeds alice and bob with balances and one all-scope Ed25519 key each, and writes their
 * credentials to `<dataDir>/demo-credentials.json` (mode 0600). Only for a new embedded database.
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
  }
  const path = join(dataDir, 'demo-credentials.json');
  writeFileSync(path, JSON.stringify({ credentials }, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return { credentials, path };
}
