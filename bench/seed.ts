/** Bench accounts: funded far beyond what any run can hold, each with an all-scope Ed25519 key. */
import { randomBytes } from 'node:crypto';
import { ALL_SCOPES, type DomainServices } from '../src/domain';
import type { BenchCredential, BenchHmacCredential } from './requests';

/**
 * What each bench account starts with: a resting bench order holds one cent and a crossing one
 * well under a dollar (crossing.ts), so this never runs out; the base assets fund SELL makers.
 */
export const BENCH_DEPOSITS: Readonly<Record<string, string>> = { USD: '10000000', BTC: '10000', ETH: '100000' };

/** Creates an account funded with {@link BENCH_DEPOSITS}; returns its id. */
export async function seedFundedAccount(services: DomainServices): Promise<string> {
  const account = await services.accounts.createAccount(`bench-${randomBytes(4).toString('hex')}`);
  if (!account.ok) throw new Error(account.errors[0].message);
  for (const [asset, amount] of Object.entries(BENCH_DEPOSITS)) {
    const deposit = await services.accounts.deposit(account.value.id, asset, amount);
    if (!deposit.ok) throw new Error(deposit.errors[0].message);
  }
  return account.value.id;
}

/** Creates `count` funded accounts with one all-scope Ed25519 key each. */
export async function seedSigningAccounts(services: DomainServices, count: number): Promise<BenchCredential[]> {
  const credentials: BenchCredential[] = [];
  for (let i = 0; i < count; i += 1) {
    const accountId = await seedFundedAccount(services);
    const key = await services.apiKeys.createApiKey(accountId, { label: 'bench', scopes: ALL_SCOPES, algorithm: 'ed25519' });
    if (!key.ok || !key.value.privateKey) throw new Error('bench: key creation failed');
    credentials.push({ accountId, keyId: key.value.apiKey.id, privateKey: key.value.privateKey });
  }
  return credentials;
}

/** An all-scope HMAC-SHA256 key for each of `accountIds` (the signature layer measured with HMAC). */
export async function seedHmacKeys(services: DomainServices, accountIds: readonly string[]): Promise<BenchHmacCredential[]> {
  const credentials: BenchHmacCredential[] = [];
  for (const accountId of accountIds) {
    const key = await services.apiKeys.createApiKey(accountId, { label: 'bench-hmac', scopes: ALL_SCOPES, algorithm: 'hmac-sha256' });
    if (!key.ok || !key.value.secret) throw new Error('bench: HMAC key creation failed');
    credentials.push({ accountId, keyId: key.value.apiKey.id, secret: key.value.secret });
  }
  return credentials;
}
