import { UserErrorCode } from './user-errors';

/** Where one business outcome can occur and what it means, for clients (ERRORS.md). */
export interface UserErrorCodeSpec {
  /** The mutations (or CLI commands, marked "(CLI)") that can return the code. */
  readonly mutations: readonly string[];
  /** ERRORS.md's "meaning" column (Markdown). */
  readonly meaning: string;
}

/** Every business outcome, in ERRORS.md's order; `npm run errors-doc` writes its table from this. */
export const USER_ERROR_CODES: Readonly<Record<UserErrorCode, UserErrorCodeSpec>> = Object.freeze({
  [UserErrorCode.UNKNOWN_MARKET]: { mutations: ['placeOrder', 'cancelAllOrders'], meaning: 'The market symbol is not listed (see the `markets` query).' },
  [UserErrorCode.UNKNOWN_ASSET]: { mutations: ['createTransfer'], meaning: 'The asset is not one of USD, BTC, ETH (GraphQL clients get `BAD_USER_INPUT` first: `asset` is an enum; other callers of the domain get this).' },
  [UserErrorCode.INVALID_PRICE]: { mutations: ['placeOrder'], meaning: 'The price is not positive, not a multiple of the tick size, or above the market\'s maximum; missing on a LIMIT order, or given on a MARKET order.' },
  [UserErrorCode.INVALID_QUANTITY]: { mutations: ['placeOrder'], meaning: 'The quantity is not positive, not a multiple of the lot size, or outside the market\'s minimum and maximum; or `quantity`/`quoteQuantity` is missing, both are given, or `quoteQuantity` is not a positive amount in the quote asset\'s precision, or buys less than one lot at the best ask.' },
  [UserErrorCode.INVALID_AMOUNT]: { mutations: ['createTransfer'], meaning: 'The amount is not positive, has more decimals than the asset allows, or is too large.' },
  [UserErrorCode.INSUFFICIENT_FUNDS]: { mutations: ['placeOrder', 'createTransfer'], meaning: 'The available balance does not cover the hold or the transfer.' },
  [UserErrorCode.DUPLICATE_CLIENT_ORDER_ID]: { mutations: ['placeOrder'], meaning: 'The account already has an order with this `clientOrderId` (the message names it; look it up with `order(clientOrderId:)`); nothing was placed. Reported before INSUFFICIENT_FUNDS, TOO_MANY_OPEN_ORDERS, POST_ONLY_WOULD_TAKE and a `quoteQuantity` below one lot, so a retried placement learns that its order exists.' },
  [UserErrorCode.ORDER_NOT_FOUND]: { mutations: ['cancelOrder'], meaning: 'No order with this id belongs to the account (other accounts\' orders are reported the same way).' },
  [UserErrorCode.ORDER_NOT_OPEN]: { mutations: ['cancelOrder'], meaning: 'The order is no longer live: already filled, canceled or expired.' },
  [UserErrorCode.ACCOUNT_NOT_FOUND]: { mutations: ['createTransfer'], meaning: 'The destination account does not exist.' },
  [UserErrorCode.ACCOUNT_NAME_TAKEN]: { mutations: ['(CLI) accounts create'], meaning: 'An account with this name exists.' },
  [UserErrorCode.INVALID_NAME]: { mutations: ['(CLI) accounts create'], meaning: 'Names are 1-64 letters, digits, spaces, `_`, `.` or `-`.' },
  [UserErrorCode.SELF_TRANSFER]: { mutations: ['createTransfer'], meaning: 'The destination is the sending account (ids compare in any case).' },
  [UserErrorCode.INVALID_MEMO]: {
    mutations: ['createTransfer'],
    meaning: 'The memo is over 140 characters or holds control, invisible, bidirectional-formatting or lone-surrogate characters (GraphQL clients get `BAD_USER_INPUT` first; other callers of the domain get this).',
  },
  [UserErrorCode.INVALID_PUBLIC_KEY]: {
    mutations: ['createApiKey'],
    meaning: 'The public key is not an Ed25519 SPKI key, is weak (not 32 bytes, a non-canonical encoding, off the curve, or a small-order point that would accept forged signatures), or one was given for an HMAC key.',
  },
  [UserErrorCode.INVALID_SCOPES]: { mutations: ['createApiKey'], meaning: 'Scopes the calling key does not hold itself, or no scopes (GraphQL clients get `BAD_USER_INPUT` for an empty or over-long list first; other callers of the domain get this).' },
  [UserErrorCode.INVALID_LABEL]: {
    mutations: ['createApiKey', '(CLI) keys create'],
    meaning: 'The label is not 1-64 characters, is only spaces, or holds control, invisible, bidirectional-formatting or lone-surrogate characters (GraphQL clients get `BAD_USER_INPUT` first; the CLI and other callers of the domain get this).',
  },
  [UserErrorCode.API_KEY_NOT_FOUND]: { mutations: ['revokeApiKey', 'cancelAllOrders'], meaning: 'No key with this id belongs to the account (`cancelAllOrders`: its `apiKeyId`; nothing was canceled).' },
  [UserErrorCode.API_KEY_ALREADY_REVOKED]: { mutations: ['revokeApiKey'], meaning: 'The key is already revoked.' },
  [UserErrorCode.TOO_MANY_API_KEYS]: { mutations: ['createApiKey', '(CLI) keys create'], meaning: 'The account already has the most unrevoked keys it may hold (30); nothing was created. Revoke a key it no longer uses first.' },
  [UserErrorCode.INVALID_ORDER_OPTIONS]: {
    mutations: ['placeOrder'],
    meaning: '`postOnly` on anything but a LIMIT GTC order, `quoteQuantity` on anything but a MARKET BUY, or FOK with `quoteQuantity`.',
  },
  [UserErrorCode.TOO_MANY_OPEN_ORDERS]: { mutations: ['placeOrder'], meaning: 'The order would rest, and the account already has the most open orders one market allows (`SIGNET_MAX_OPEN_ORDERS`, default 500, per account and market); nothing was placed. Cancel some, or place an order that does not rest (IOC, FOK, MARKET, or one that fills at once).' },
  [UserErrorCode.POST_ONLY_WOULD_TAKE]: { mutations: ['placeOrder'], meaning: 'A `postOnly` order would have traded at placement (it crosses the best opposite price); nothing was placed.' },
  [UserErrorCode.DUPLICATE_CLIENT_TRANSFER_ID]: {
    mutations: ['createTransfer'],
    meaning: 'The sending account already made a transfer with this `clientTransferId` (the message names it; look it up with `transfer(clientTransferId:)`); nothing moved. Reported before INSUFFICIENT_FUNDS, so a retried transfer learns that it was made.',
  },
  [UserErrorCode.INVALID_REFERENCE]: { mutations: ['(CLI) accounts deposit'], meaning: 'The `--reference` is not 1-128 ASCII letters, digits, `-`, `_`, `.`, `:` or `/` starting with a letter or digit; nothing was posted.' },
  [UserErrorCode.DEPOSIT_REFERENCE_MISMATCH]: {
    mutations: ['(CLI) accounts deposit'],
    meaning: 'A deposit with this reference was already posted, to another account, in another asset or of another amount (the message names it); nothing was posted. The same reference with the same account, asset and amount is not an error: the original deposit is returned, not posted again.',
  },
});
