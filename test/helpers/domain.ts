import { randomBytes } from 'node:crypto';
import { createDomainServices, createSecretBox, type DomainServices, type FeeRates, type KeyVersionStore, type PriceSource } from '../../src/domain';
import type { IdempotencyRecordStore } from '@signet/idempotency';
import { createSqlStores, type SqlDriver, type SqlStores } from '../../src/stores/postgres';

const recordStores = new WeakMap<DomainServices, IdempotencyRecordStore>();

/** Domain services over a test database, with a throwaway master key (and the default fee rates unless `feeRates` is given). */
export function servicesFor(driver: SqlDriver, options: { clock?: () => Date; prices?: (sql: SqlStores) => PriceSource; keyVersions?: KeyVersionStore; masterKey?: Buffer; feeRates?: FeeRates; maxOpenOrders?: number | null; onAfterCommitFailure?: (error: unknown) => void } = {}): DomainServices {
  const sql = createSqlStores(driver, { onAfterCommitFailure: options.onAfterCommitFailure });
  // As the runtime does: verification keys cached on PGlite (one process, one statement at a time),
  // and on PostgreSQL when given the shared key versions (Redis).
  const services = createDomainServices({
    uow: sql.uow, secretBox: createSecretBox(options.masterKey ?? randomBytes(32)), clock: options.clock, prices: options.prices?.(sql),
    cacheVerificationKeys: driver.kind === 'pglite', keyVersions: options.keyVersions, feeRates: options.feeRates, maxOpenOrders: options.maxOpenOrders,
  });
  recordStores.set(services, sql.idempotencyRecords);
  return services;
}

/** The durable idempotency records that share `services`' transactions. */
export function idempotencyRecordsOf(services: DomainServices): IdempotencyRecordStore {
  const records = recordStores.get(services);
  if (!records) throw new Error('services were not built by servicesFor');
  return records;
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
