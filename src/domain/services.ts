import { randomUUID } from 'node:crypto';
import { createAccountService, type AccountService } from './accounts.service';
import { createApiKeyService, type ApiKeyEvent, type ApiKeyService } from './api-keys.service';
import { createMarketDataService, type MarketDataService } from './market-data.service';
import { createOrderService, type OrderService } from './orders.service';
import { DEFAULT_FEE_RATES, type FeeRates } from './settlement';
import type { Clock, IdGenerator, KeyVersionStore, UnitOfWork } from './ports';
import type { SecretBox } from './secret-box';
import { createBookPriceSource, type PriceSource } from './prices';
import { createTransferService, type TransferService } from './transfers.service';

/** All domain services, built over one unit of work. */
export interface DomainServices {
  readonly accounts: AccountService;
  readonly orders: OrderService;
  readonly marketData: MarketDataService;
  /** Maker and taker fee rates of every market. */
  readonly feeRates: FeeRates;
  readonly transfers: TransferService;
  readonly apiKeys: ApiKeyService;
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  /** USD prices for valuations (the HTTP feed, or the embedded order-book source). */
  readonly prices: PriceSource;
}

/**
 * Wires the domain services; `clock` and `newId` default to the real ones. `cacheVerificationKeys`
 * keeps API keys' verification material in memory: only for a database this process alone writes
 * and that serializes every statement (embedded PGlite; see verification-key-cache.ts). `keyVersions`
 * (Redis, shared by every process) caches it in each process of several over one PostgreSQL, each
 * request's admission checking the entry is current (see createVersionedKeyCache).
 */
export function createDomainServices(deps: {
  uow: UnitOfWork; secretBox: SecretBox; clock?: Clock; newId?: IdGenerator; prices?: PriceSource; cacheVerificationKeys?: boolean; keyVersions?: KeyVersionStore; feeRates?: FeeRates;
  /** The most live orders an account may have in one market; null: no limit. Default DEFAULT_MAX_OPEN_ORDERS (500). */
  maxOpenOrders?: number | null;
  /** Told each API key created or revoked (see createApiKeyService). */
  onKeyEvent?: (event: ApiKeyEvent) => void;
}): DomainServices {
  const clock = deps.clock ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;
  const base = { uow: deps.uow, clock, newId };
  const feeRates = deps.feeRates ?? DEFAULT_FEE_RATES;
  return Object.freeze({
    accounts: createAccountService(base),
    orders: createOrderService({ ...base, fees: feeRates, maxOpenOrders: deps.maxOpenOrders }),
    marketData: createMarketDataService(base),
    feeRates,
    transfers: createTransferService(base),
    apiKeys: createApiKeyService({ uow: deps.uow, clock, secretBox: deps.secretBox, cacheVerificationKeys: deps.cacheVerificationKeys, keyVersions: deps.keyVersions, onKeyEvent: deps.onKeyEvent }),
    uow: deps.uow,
    clock,
    // Without a feed or a book, the configured table alone prices the assets.
    prices: deps.prices ?? createBookPriceSource({ book: { bestQuotes: async () => [] }, clock }),
  });
}
