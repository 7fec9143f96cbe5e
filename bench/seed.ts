/** Bench accounts: funded far beyond what any run can hold, each with an all-scope Ed25519 key. */
import { randomBytes } from 'node:crypto';
import { ALL_SCOPES, type DomainServices } from '../src/domain';
import type { BenchCredential } from './requests';

/** USD each bench account starts with: a bench order holds one cent, so this never runs out. */
export const BENCH_DEPOSIT_USD = '10000000';

/** Creates `count` funded accounts with one all-scope Ed25519 key each. */
export async function seedSigningAccounts(services: DomainServices, count: number): Promise<BenchCredential[]> {
  const credentials: BenchCredential[] = [];
  for (let i = 0; i < count; i += 1) {
    const account = await services.accounts.createAccount(`bench-${randomBytes(4).toString('hex')}`);
    if (!account.ok) throw new Error(account.errors[0].message);
    const deposit = await services.accounts.deposit(account.value.id, 'USD', BENCH_DEPOSIT_USD);
    if (!deposit.ok) throw new Error(deposit.errors[0].message);
    const key = await services.apiKeys.createApiKey(account.value.id, { label: 'bench', scopes: ALL_SCOPES, algorithm: 'ed25519' });
    if (!key.ok || !key.value.privateKey) throw new Error('bench: key creation failed');
    credentials.push({ accountId: account.value.id, keyId: key.value.apiKey.id, privateKey: key.value.privateKey });
  }
  return credentials;
}
