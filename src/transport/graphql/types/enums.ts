import { registerEnumType } from 'type-graphql';
import { UserErrorCode } from '../../../domain';

/** Assets, as GraphQL sees them. */
export enum AssetEnum { USD = 'USD', BTC = 'BTC', ETH = 'ETH' }
/** Order sides. */
export enum OrderSideEnum { BUY = 'BUY', SELL = 'SELL' }
/** Order types. */
export enum OrderTypeEnum { LIMIT = 'LIMIT' }
/** Order states. */
export enum OrderStatusEnum { OPEN = 'OPEN', CANCELED = 'CANCELED' }
/** API key scopes. */
export enum ScopeEnum { READ = 'READ', TRADE = 'TRADE', TRANSFER = 'TRANSFER', MANAGE_KEYS = 'MANAGE_KEYS' }
/** Signature algorithms: GraphQL names map to the RFC 9421 algorithm names. */
export enum KeyAlgorithmEnum { ED25519 = 'ed25519', HMAC_SHA256 = 'hmac-sha256' }

registerEnumType(AssetEnum, {
  name: 'Asset',
  description: 'An asset held in accounts. Amounts of it are Decimal strings with at most its number of decimal places.',
  valuesConfig: {
    USD: { description: 'US dollar; 2 decimal places.' },
    BTC: { description: 'Bitcoin; 8 decimal places.' },
    ETH: { description: 'Ether; 8 decimal places.' },
  },
});
registerEnumType(OrderSideEnum, {
  name: 'OrderSide',
  description: 'Whether an order buys or sells the base asset of its market.',
  valuesConfig: {
    BUY: { description: 'Buy the base asset; holds price × quantity of the quote asset while open.' },
    SELL: { description: 'Sell the base asset; holds the quantity of the base asset while open.' },
  },
});
registerEnumType(OrderTypeEnum, {
  name: 'OrderType',
  description: 'Only resting limit orders exist until a matching engine does.',
  valuesConfig: {
    LIMIT: { description: 'Rests at its limit price until canceled.' },
  },
});
registerEnumType(OrderStatusEnum, {
  name: 'OrderStatus',
  description: 'Lifecycle state of an order.',
  valuesConfig: {
    OPEN: { description: 'Resting; its funds are held.' },
    CANCELED: { description: 'Canceled by its owner; the hold was released. Final.' },
  },
});
registerEnumType(ScopeEnum, {
  name: 'Scope',
  description: 'Permissions of an API key.',
  valuesConfig: {
    READ: { description: 'Read balances, orders, transfers and keys.' },
    TRADE: { description: 'Place and cancel orders.' },
    TRANSFER: { description: 'Move funds to other accounts.' },
    MANAGE_KEYS: { description: 'Create and revoke API keys.' },
  },
});
registerEnumType(KeyAlgorithmEnum, {
  name: 'KeyAlgorithm',
  description: 'RFC 9421 signature algorithm of an API key.',
  valuesConfig: {
    ED25519: { description: 'RFC 9421 `ed25519`: asymmetric; the server stores only the public key. Recommended.' },
    HMAC_SHA256: { description: 'RFC 9421 `hmac-sha256`: a shared secret, stored encrypted by the server.' },
  },
});
registerEnumType(UserErrorCode, {
  name: 'UserErrorCode',
  description: 'Business outcomes a client can branch on; see ERRORS.md. Nothing changed when one is returned.',
  valuesConfig: {
    UNKNOWN_MARKET: { description: 'placeOrder: the market symbol is not listed (see `markets`).' },
    UNKNOWN_ASSET: { description: 'createTransfer: the asset is not one this API holds.' },
    INVALID_PRICE: { description: 'placeOrder: the price is not positive, not a multiple of the tick size, or above the market\'s maxPrice.' },
    INVALID_QUANTITY: { description: 'placeOrder: the quantity is not positive, not a multiple of the lot size, or outside minQuantity..maxQuantity.' },
    INVALID_AMOUNT: { description: 'createTransfer: the amount is not positive, has more decimals than the asset allows, or is too large.' },
    INSUFFICIENT_FUNDS: { description: 'placeOrder, createTransfer: the available balance does not cover the hold or the transfer.' },
    DUPLICATE_CLIENT_ORDER_ID: { description: 'placeOrder: the account already has an order with this clientOrderId.' },
    ORDER_NOT_FOUND: { description: 'cancelOrder: no order with this id belongs to the account.' },
    ORDER_NOT_OPEN: { description: 'cancelOrder: the order is already canceled.' },
    ACCOUNT_NOT_FOUND: { description: 'createTransfer: the destination account does not exist.' },
    ACCOUNT_NAME_TAKEN: { description: 'Account creation (CLI only): an account with this name exists.' },
    INVALID_NAME: { description: 'Account creation (CLI only): names are 1-64 letters, digits, spaces, "_", "." or "-".' },
    SELF_TRANSFER: { description: 'createTransfer: the destination is the sending account.' },
    INVALID_PUBLIC_KEY: { description: 'createApiKey: the public key is not an Ed25519 SPKI key (or a weak, small-order or non-canonical one), or one was given for an HMAC key.' },
    INVALID_MEMO: { description: 'createTransfer: the memo is over 140 characters or holds control, bidirectional-override or lone-surrogate characters (GraphQL input is refused earlier with BAD_USER_INPUT).' },
    INVALID_LABEL: { description: 'createApiKey: the label is not 1-64 characters, or holds control, bidirectional-override or lone-surrogate characters.' },
    INVALID_SCOPES: { description: 'createApiKey: no scopes, or scopes the calling key does not hold itself.' },
    API_KEY_NOT_FOUND: { description: 'revokeApiKey: no key with this id belongs to the account.' },
    API_KEY_ALREADY_REVOKED: { description: 'revokeApiKey: the key is already revoked.' },
  },
});
