import type { AssetCode } from './assets';

/** A client account that holds balances. */
export interface Account { readonly id: string; readonly name: string; readonly createdAt: Date }

/** One asset's balance: `available` can be spent, `held` is reserved by open orders. */
export interface Balance { readonly asset: AssetCode; readonly available: string; readonly held: string }

/** Order sides. */
export type OrderSide = 'BUY' | 'SELL';
/** Order types (only resting limit orders until a matching engine exists). */
export type OrderType = 'LIMIT';
/** Order lifecycle states. */
export type OrderStatus = 'OPEN' | 'CANCELED';

/** A resting order and the funds it holds. */
export interface Order {
  readonly id: string;
  readonly seq: number;
  readonly accountId: string;
  readonly market: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly price: string;
  readonly quantity: string;
  readonly clientOrderId: string | null;
  readonly status: OrderStatus;
  readonly holdAsset: AssetCode;
  readonly holdAmount: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
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
}

/** Ledger buckets of a balance. */
export type Bucket = 'available' | 'held';

/** Why money moved. */
export type JournalKind = 'DEPOSIT' | 'ORDER_HOLD' | 'ORDER_RELEASE' | 'TRANSFER';

/** One side of a double-entry journal: a signed amount on one account's bucket. */
export interface Posting { readonly accountId: string; readonly asset: AssetCode; readonly bucket: Bucket; readonly amount: string }

/** A balanced set of postings (per asset they sum to zero). */
export interface Journal { readonly id: string; readonly kind: JournalKind; readonly reference: string | null; readonly createdAt: Date; readonly postings: readonly Posting[] }

/** Verified identity of the caller: the account and key a request acts for. */
export interface Principal { readonly accountId: string; readonly keyId: string; readonly scopes: readonly Scope[] }

/** A page of results with an opaque cursor for the next page. */
export interface Page<T> { readonly items: readonly T[]; readonly hasNextPage: boolean }
