import { randomBytes } from 'node:crypto';
import { createDomainServices, createSecretBox, type DomainServices } from '../../src/domain';
import { createSqlUnitOfWork, type SqlDriver } from '../../src/stores/postgres';

/** Domain services over a test database, with a throwaway master key. */
export function servicesFor(driver: SqlDriver, options: { clock?: () => Date } = {}): DomainServices {
  return createDomainServices({ uow: createSqlUnitOfWork(driver), secretBox: createSecretBox(randomBytes(32)), clock: options.clock });
}

/** Creates an account with a unique name and the given deposits, e.g. { USD: '1000' }. */
export async function fundedAccount(services: DomainServices, deposits: Record<string, string> = {}, prefix = 'acct'): Promise<string> {
  const created = await services.accounts.createAccount(`${prefix}-${randomBytes(4).toString('hex')}`);
  if (!created.ok) throw new Error(JSON.stringify(created.errors));
  for (const [asset, amount] of Object.entries(deposits)) {
    const deposited = await services.accounts.deposit(created.value.id, asset, amount);
    if (!deposited.ok) throw new Error(JSON.stringify(deposited.errors));
  }
  return created.value.id;
}

/** Balances of an account as { USD: { available, held }, … }. */
export async function balancesOf(services: DomainServices, accountId: string): Promise<Record<string, { available: string; held: string }>> {
  const list = await services.accounts.listBalances(accountId);
  return Object.fromEntries(list.map((b) => [b.asset, { available: b.available, held: b.held }]));
}
