import type { AssetCode } from './assets';

/** A client account that holds balances. */
export interface Account { readonly id: string; readonly name: string; readonly createdAt: Date }

/** One asset's balance: `available` can be spent, `held` is reserved by open orders. */
export interface Balance { readonly asset: AssetCode; readonly available: string; readonly held: string }

/** Order sides. */
export type OrderSide = 'BUY' | 'SELL';
/** Order types: LIMIT rests at its price until filled or canceled; MARKET takes what the book offers and never rests. */
export type OrderType = 'LIMIT' | 'MARKET';
/** How long an order may wait: GTC rests until filled or canceled; IOC fills what it can now; FOK fills entirely now or not at all. */
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';
/** What happens when an order would trade with an order of the same account (the incoming order's mode applies). */
export type SelfTradePrevention = 'CANCEL_NEWEST' | 'CANCEL_OLDEST' | 'CANCEL_BOTH';
/** Order lifecycle states: OPEN and PARTIALLY_FILLED are live (they may still fill); the others are final. */
export type OrderStatus = 'OPEN' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED';
/** The statuses of orders that may still fill. */
export const LIVE_ORDER_STATUSES: readonly OrderStatus[] = ['OPEN', 'PARTIALLY_FILLED'];
/** Why an order was canceled or expired. */
export type OrderStatusReason = 'CANCELED_BY_USER' | 'SELF_TRADE_PREVENTION' | 'IOC_REMAINDER' | 'FOK_NOT_FILLABLE' | 'MARKET_REMAINDER';
/** Which side of a trade an order was on: the resting order is the maker, the incoming one the taker. */
export type Liquidity = 'MAKER' | 'TAKER';

/** An order, its fills so far and the funds it still holds. */
export interface Order {
  readonly id: string;
  readonly seq: number;
  readonly accountId: string;
  readonly market: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Limit price; null for a MARKET order. */
  readonly price: string | null;
  /** Base quantity ordered; a MARKET BUY by quoteQuantity gets its filled quantity once it completes. */
  readonly quantity: string;
  /** MARKET BUY only: the most quote asset it may spend; null otherwise. */
  readonly quoteQuantity: string | null;
  readonly timeInForce: TimeInForce;
  readonly postOnly: boolean;
  readonly selfTradePrevention: SelfTradePrevention;
  readonly clientOrderId: string | null;
  readonly status: OrderStatus;
  readonly statusReason: OrderStatusReason | null;
  /** Base quantity filled so far. */
  readonly filledQuantity: string;
  /** Exact Σ price × quantity of the fills (not rounded): average price = filledQuote / filledQuantity. */
  readonly filledQuote: string;
  readonly holdAsset: AssetCode;
  /** Funds reserved at placement. */
  readonly holdAmount: string;
  /** The part of the hold still reserved (0 once the order is final). */
  readonly holdRemaining: string;
  /** The API key whose signed request placed it; null when an operator placed it (the CLI, the demo's seed) or it predates this record. */
  readonly apiKeyId: string | null;
  /**
   * The API key whose signed request canceled it: a cancel call (`CANCELED_BY_USER`), or a
   * placement of its account whose self-trade prevention canceled it (`SELF_TRADE_PREVENTION`,
   * the placement's key). Null for an order still live, filled or ended by its own terms, and for
   * one an operator's placement or an older release ended.
   */
  readonly canceledByApiKeyId: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** One order's side of a trade. Each trade has two fills (maker and taker) that share `tradeId`; each fill has its own `sequence` (the maker's, then the taker's). */
export interface Fill {
  readonly id: string;
  /** Increases with every trade, across all markets; both fills of a trade share it. */
  readonly sequence: number;
  readonly tradeId: string;
  readonly orderId: string;
  readonly accountId: string;
  readonly market: string;
  readonly side: OrderSide;
  readonly price: string;
  readonly quantity: string;
  /** Quote amount that changed hands (the buyer's rounding, see the matching rules). */
  readonly quoteAmount: string;
  readonly fee: string;
  readonly feeAsset: AssetCode;
  readonly liquidity: Liquidity;
  readonly createdAt: Date;
}

/** A final movement of available funds between two accounts. */
export interface Transfer {
  readonly id: string;
  readonly seq: number;
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly asset: AssetCode;
  readonly amount: string;
  readonly memo: string | null;
  /** The sender's own id for the transfer, unique per sending account; null when none was given. */
  readonly clientTransferId: string | null;
  /** The sender's API key whose signed request made it; null when it predates this record. Only the sender is shown it. */
  readonly apiKeyId: string | null;
  readonly createdAt: Date;
}

/**
 * Funding from the external system into an account, as recorded beside its DEPOSIT journal. The
 * reference is the external system's id of the funding (see deposit-reference.ts): one deposit per
 * reference, ever.
 */
export interface Deposit {
  readonly journalId: string;
  readonly accountId: string;
  readonly asset: AssetCode;
  readonly amount: string;
  readonly reference: string | null;
  readonly createdAt: Date;
}

/** Permissions an API key can carry. */
export type Scope = 'READ' | 'TRADE' | 'TRANSFER' | 'MANAGE_KEYS';
/** Every scope, least to most sensitive. */
export const ALL_SCOPES: readonly Scope[] = ['READ', 'TRADE', 'TRANSFER', 'MANAGE_KEYS'];
/** Signature algorithms; one per key. */
export type KeyAlgorithm = 'ed25519' | 'hmac-sha256';

/** An API key record. The server keeps an Ed25519 public key, or an HMAC secret encrypted at rest. */
export interface ApiKey {
  readonly id: string;
  readonly accountId: string;
  readonly label: string;
  readonly scopes: readonly Scope[];
  readonly algorithm: KeyAlgorithm;
  /** Ed25519 public key, SPKI DER in base64 (null for HMAC keys). */
  readonly publicKey: string | null;
  /** AES-256-GCM ciphertext of the HMAC secret (null for Ed25519 keys). */
  readonly secretCiphertext: string | null;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
  /** The key whose signed createApiKey made this one; null for an operator's (CLI, demo seed) and keys made before this was recorded. */
  readonly createdByApiKeyId: string | null;
  /** The key whose signed revokeApiKey revoked this one (itself, for a key that revoked itself); null while live, for an operator's revocation and for older revocations. */
  readonly revokedByApiKeyId: string | null;
}

/** Ledger buckets of a balance. */
export type Bucket = 'available' | 'held';

/** Why money moved. */
export type JournalKind = 'DEPOSIT' | 'ORDER_HOLD' | 'ORDER_RELEASE' | 'TRANSFER' | 'TRADE';

/** One side of a double-entry journal: a signed amount on one account's bucket. */
export interface Posting { readonly accountId: string; readonly asset: AssetCode; readonly bucket: Bucket; readonly amount: string }

/** A balanced set of postings (per asset they sum to zero). */
export interface Journal { readonly id: string; readonly kind: JournalKind; readonly reference: string | null; readonly createdAt: Date; readonly postings: readonly Posting[] }

/** Verified identity of the caller: the account and key a request acts for. */
export interface Principal { readonly accountId: string; readonly keyId: string; readonly scopes: readonly Scope[] }

/** A page of results with an opaque cursor for the next page. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly hasNextPage: boolean;
  /**
   * Set when the store stopped reading before it found a full page (a filtered listing reads a
   * bounded number of rows per page): the next page starts before this position, which is older
   * than every item. The page may then hold fewer items than asked for, even none.
   */
  readonly continueBeforeSeq?: number;
}
