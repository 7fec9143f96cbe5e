import { registerEnumType } from 'type-graphql';
import { UserErrorCode } from '../../../domain';

/** Assets, as GraphQL sees them. */
export enum AssetEnum { USD = 'USD', BTC = 'BTC', ETH = 'ETH' }
/** Order sides. */
export enum OrderSideEnum { BUY = 'BUY', SELL = 'SELL' }
/** Order types. */
export enum OrderTypeEnum { LIMIT = 'LIMIT', MARKET = 'MARKET' }
/** Order states. */
export enum OrderStatusEnum { OPEN = 'OPEN', PARTIALLY_FILLED = 'PARTIALLY_FILLED', FILLED = 'FILLED', CANCELED = 'CANCELED', EXPIRED = 'EXPIRED' }
/** How long an order may wait to fill. */
export enum TimeInForceEnum { GTC = 'GTC', IOC = 'IOC', FOK = 'FOK' }
/** What an order does when it would trade with an order of the same account. */
export enum SelfTradePreventionEnum { CANCEL_NEWEST = 'CANCEL_NEWEST', CANCEL_OLDEST = 'CANCEL_OLDEST', CANCEL_BOTH = 'CANCEL_BOTH' }
/** Why an order was canceled or expired. */
export enum OrderStatusReasonEnum {
  CANCELED_BY_USER = 'CANCELED_BY_USER',
  SELF_TRADE_PREVENTION = 'SELF_TRADE_PREVENTION',
  IOC_REMAINDER = 'IOC_REMAINDER',
  FOK_NOT_FILLABLE = 'FOK_NOT_FILLABLE',
  MARKET_REMAINDER = 'MARKET_REMAINDER',
}
/** Which side of a trade an order was on. */
export enum LiquidityEnum { MAKER = 'MAKER', TAKER = 'TAKER' }
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
    BUY: { description: 'Buy the base asset; holds quote asset (price × quantity, or the quoteQuantity budget) while live.' },
    SELL: { description: 'Sell the base asset; holds the quantity of the base asset while live.' },
  },
});
registerEnumType(OrderTypeEnum, {
  name: 'OrderType',
  description: 'How an order is priced.',
  valuesConfig: {
    LIMIT: { description: 'Trades at its limit price or better; with timeInForce GTC its remainder rests in the book until filled or canceled.' },
    MARKET: { description: 'Takes the best prices the book offers at placement and never rests: what it cannot fill at once expires (MARKET_REMAINDER).' },
  },
});
registerEnumType(OrderStatusEnum, {
  name: 'OrderStatus',
  description: 'Lifecycle state of an order. OPEN and PARTIALLY_FILLED are live (they may still fill); the others are final.',
  valuesConfig: {
    OPEN: { description: 'Resting with nothing filled yet; its funds are held.' },
    PARTIALLY_FILLED: { description: 'Resting with part of its quantity filled; the rest of its funds are held.' },
    FILLED: { description: 'Its whole quantity traded (a MARKET BUY by quoteQuantity: its budget, down to less than one lot at the next price); any unused hold was released. Final.' },
    CANCELED: { description: 'Canceled (statusReason says by whom) before it filled entirely; the rest of its hold was released. Final.' },
    EXPIRED: { description: 'Its time in force ran out: an IOC, FOK or MARKET order that could not fill (entirely) at placement; the rest of its hold was released. Final.' },
  },
});
registerEnumType(TimeInForceEnum, {
  name: 'TimeInForce',
  description: 'How long an order may wait to fill.',
  valuesConfig: {
    GTC: { description: 'Good till canceled: the remainder of a LIMIT order rests in the book. A MARKET order never rests, so GTC means IOC for it.' },
    IOC: { description: 'Immediate or cancel: fills what it can at placement; the remainder expires (IOC_REMAINDER, or MARKET_REMAINDER for a MARKET order).' },
    FOK: { description: 'Fill or kill: fills its whole quantity at placement or nothing at all (EXPIRED, FOK_NOT_FILLABLE). Needs a base quantity.' },
  },
});
registerEnumType(SelfTradePreventionEnum, {
  name: 'SelfTradePrevention',
  description: 'What happens when an incoming order would trade with a resting order of the same account (the incoming order\'s mode applies). An account never trades with itself.',
  valuesConfig: {
    CANCEL_NEWEST: { description: 'The incoming order stops: its remainder is CANCELED (SELF_TRADE_PREVENTION); the resting order stays.' },
    CANCEL_OLDEST: { description: 'The resting order is CANCELED (SELF_TRADE_PREVENTION), its hold released, and matching goes on.' },
    CANCEL_BOTH: { description: 'Both are CANCELED (SELF_TRADE_PREVENTION); the incoming order stops.' },
  },
});
registerEnumType(OrderStatusReasonEnum, {
  name: 'OrderStatusReason',
  description: 'Why an order was canceled or expired.',
  valuesConfig: {
    CANCELED_BY_USER: { description: 'cancelOrder or cancelAllOrders.' },
    SELF_TRADE_PREVENTION: { description: 'It would have traded with an order of the same account (see SelfTradePrevention).' },
    IOC_REMAINDER: { description: 'An IOC order\'s unfilled remainder.' },
    FOK_NOT_FILLABLE: { description: 'A FOK order the book could not fill entirely at placement: nothing of it traded.' },
    MARKET_REMAINDER: { description: 'A MARKET order\'s remainder the book could not fill: the book ran out, or (by quoteQuantity) the book or the market\'s maxQuantity ran out while what was left of the budget could still buy a lot (at the next ask\'s price; where the book ends, at the last trade\'s). A budget below one lot at the best ask is refused instead (INVALID_QUANTITY).' },
  },
});
registerEnumType(LiquidityEnum, {
  name: 'Liquidity',
  description: 'Which side of a trade an order was on; it decides the fee rate.',
  valuesConfig: {
    MAKER: { description: 'The resting order: it added liquidity to the book (makerFeeRate).' },
    TAKER: { description: 'The incoming order: it took liquidity from the book (takerFeeRate).' },
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
    UNKNOWN_MARKET: { description: 'placeOrder, cancelAllOrders: the market symbol is not listed (see `markets`).' },
    UNKNOWN_ASSET: { description: 'createTransfer: the asset is not one this API holds.' },
    INVALID_PRICE: { description: 'placeOrder: the price is not positive, not a multiple of the tick size, or above the market\'s maxPrice; missing on a LIMIT order, or given on a MARKET order.' },
    INVALID_QUANTITY: { description: 'placeOrder: the quantity is not positive, not a multiple of the lot size, or outside minQuantity..maxQuantity; or quantity/quoteQuantity is missing, both are given, or quoteQuantity is not a positive amount in the quote asset\'s precision, or buys less than one lot at the best ask.' },
    INVALID_AMOUNT: { description: 'createTransfer: the amount is not positive, has more decimals than the asset allows, or is too large.' },
    INSUFFICIENT_FUNDS: { description: 'placeOrder, createTransfer: the available balance does not cover the hold or the transfer.' },
    DUPLICATE_CLIENT_ORDER_ID: { description: 'placeOrder: the account already has an order with this clientOrderId.' },
    DUPLICATE_CLIENT_TRANSFER_ID: { description: 'createTransfer: the sending account already made a transfer with this clientTransferId (the message names it); nothing moved.' },
    ORDER_NOT_FOUND: { description: 'cancelOrder: no order with this id belongs to the account.' },
    ORDER_NOT_OPEN: { description: 'cancelOrder: the order is no longer live (already filled, canceled or expired).' },
    ACCOUNT_NOT_FOUND: { description: 'createTransfer: the destination account does not exist.' },
    ACCOUNT_NAME_TAKEN: { description: 'Account creation (CLI only): an account with this name exists.' },
    INVALID_NAME: { description: 'Account creation (CLI only): names are 1-64 letters, digits, spaces, "_", "." or "-".' },
    SELF_TRANSFER: { description: 'createTransfer: the destination is the sending account.' },
    TOO_MANY_OPEN_ORDERS: { description: 'placeOrder: the order would rest, and the account already has the most open orders one market allows (500 unless the operator set SIGNET_MAX_OPEN_ORDERS); nothing was placed.' },
    INVALID_PUBLIC_KEY: { description: 'createApiKey: the public key is not an Ed25519 SPKI key (or a weak, small-order or non-canonical one), or one was given for an HMAC key.' },
    INVALID_MEMO: { description: 'createTransfer: the memo is over 140 characters or holds control, invisible, bidirectional-formatting or lone-surrogate characters (GraphQL input is refused earlier with BAD_USER_INPUT).' },
    INVALID_LABEL: { description: 'createApiKey: the label is not 1-64 characters, is only spaces, or holds control, invisible, bidirectional-formatting or lone-surrogate characters (GraphQL input is refused earlier with BAD_USER_INPUT; the CLI gets this).' },
    INVALID_SCOPES: { description: 'createApiKey: scopes the calling key does not hold itself (an empty or over-long list is refused earlier with BAD_USER_INPUT).' },
    API_KEY_NOT_FOUND: { description: 'revokeApiKey, cancelAllOrders: no key with this id belongs to the account (cancelAllOrders: nothing was canceled).' },
    API_KEY_ALREADY_REVOKED: { description: 'revokeApiKey: the key is already revoked.' },
    TOO_MANY_API_KEYS: { description: 'createApiKey: the account already holds 30 unrevoked keys, the most it may; nothing was created. Revoke one first.' },
    INVALID_ORDER_OPTIONS: { description: 'placeOrder: postOnly on anything but a LIMIT GTC order, quoteQuantity on anything but a MARKET BUY, or FOK with quoteQuantity.' },
    POST_ONLY_WOULD_TAKE: { description: 'placeOrder: a postOnly order would have traded at placement (it crosses the best opposite price); nothing was placed.' },
    INVALID_REFERENCE: { description: 'Deposits (CLI only): the reference is not 1-128 ASCII letters, digits, "-", "_", ".", ":" or "/" starting with a letter or digit.' },
    DEPOSIT_REFERENCE_MISMATCH: { description: 'Deposits (CLI only): a deposit with this reference was already posted to another account, in another asset or of another amount; nothing was posted.' },
  },
});
