/** The trading domain: rules for accounts, ledger, orders, transfers and API keys. No GraphQL, HTTP or drivers here. */
export * from './assets';
export * from './decimal';
export * from './types';
export * from './user-errors';
export { USER_ERROR_CODES, type UserErrorCodeSpec } from './user-error-codes.table';
export * from './ports';
export { EXTERNAL_ACCOUNT_ID, assertBalanced, balanceChanges, mayGoNegative, type BalanceChange } from './ledger';
export { canonicalKeyId, canonicalUuid } from './ids';
export { isPlainText, PLAIN_TEXT_PATTERN } from './text';
export { createSecretBox, type SecretBox } from './secret-box';
export { createAccountService, type AccountService } from './accounts.service';
export { createOrderService, type OrderService, type PlaceOrderInput } from './orders.service';
export { createTransferService, MAX_MEMO_LENGTH, type TransferService, type CreateTransferInput } from './transfers.service';
export { createApiKeyService, newKeyId, HMAC_SECRET_BYTES, MAX_LABEL_LENGTH, type ApiKeyService, type CreateApiKeyInput, type CreatedApiKey, type VerificationMaterial } from './api-keys.service';
export { createMemoryKeyVersionStore } from './memory-key-version-store';
export { createDomainServices, type DomainServices } from './services';
export { createKeyUsageRecorder, type KeyUsageRecorder } from './api-key-usage';
export { createBookPriceSource, valueInUsd, PriceUnavailableError, DEFAULT_PRICE_TABLE, type PriceSource, type PriceQuote, type OrderBookReader, type PriceTable } from './prices';
