import type { Account, ApiKey, AssetCode, Balance, Fill, KeyAlgorithm, Liquidity, Order, OrderSide, OrderStatus, OrderStatusReason, OrderType, Scope, SelfTradePrevention, TimeInForce, Transfer } from '../../domain';
import { Dec, canonicalUuid } from '../../domain';

/** Rows as both drivers return them: NUMERIC as strings, bigint as string (pg) or number (PGlite). */
export type Row = Record<string, unknown>;

/** True for a UUID (the domain's one id parser); anything else would make PostgreSQL raise on a uuid column. */
export function isUuid(value: string): boolean {
  return canonicalUuid(value) !== null;
}

/** NUMERIC(38,18) comes back padded with zeros; the API shows the canonical form. */
export function num(value: unknown): string {
  return new Dec(String(value)).toFixed();
}

const date = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));
const dateOrNull = (value: unknown): Date | null => (value === null || value === undefined ? null : date(value));

/** Maps an accounts row. */
export function toAccount(r: Row): Account {
  return { id: String(r.id), name: String(r.name), createdAt: date(r.created_at) };
}

/** Maps a balances row. */
export function toBalance(r: Row): Balance {
  return { asset: r.asset as AssetCode, available: num(r.available), held: num(r.held) };
}

const numOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : num(value));
/** A nullable text column: its text, or null (never undefined). */
const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** Maps an orders row. */
export function toOrder(r: Row): Order {
  return {
    id: String(r.id), seq: Number(r.seq), accountId: String(r.account_id), market: String(r.market),
    side: r.side as OrderSide, type: r.type as OrderType, price: numOrNull(r.price), quantity: num(r.quantity), quoteQuantity: numOrNull(r.quote_quantity),
    timeInForce: r.time_in_force as TimeInForce, postOnly: r.post_only === true, selfTradePrevention: r.self_trade_prevention as SelfTradePrevention,
    clientOrderId: textOrNull(r.client_order_id), status: r.status as OrderStatus, statusReason: (r.status_reason as OrderStatusReason | null) ?? null,
    filledQuantity: num(r.filled_quantity), filledQuote: num(r.filled_quote),
    holdAsset: r.hold_asset as AssetCode, holdAmount: num(r.hold_amount), holdRemaining: num(r.hold_remaining),
    apiKeyId: textOrNull(r.api_key_id), canceledByApiKeyId: textOrNull(r.canceled_by_api_key_id), createdAt: date(r.created_at), updatedAt: date(r.updated_at),
  };
}

/** Maps a fills row. */
export function toFill(r: Row): Fill {
  return {
    id: String(r.id), sequence: Number(r.seq), tradeId: String(r.trade_id), orderId: String(r.order_id), accountId: String(r.account_id), market: String(r.market),
    side: r.side as OrderSide, price: num(r.price), quantity: num(r.quantity), quoteAmount: num(r.quote_amount), fee: num(r.fee),
    feeAsset: r.fee_asset as AssetCode, liquidity: r.liquidity as Liquidity, createdAt: date(r.created_at),
  };
}

/** Maps a transfers row. */
export function toTransfer(r: Row): Transfer {
  return {
    id: String(r.id), seq: Number(r.seq), fromAccountId: String(r.from_account_id), toAccountId: String(r.to_account_id),
    asset: r.asset as AssetCode, amount: num(r.amount), memo: textOrNull(r.memo),
    clientTransferId: textOrNull(r.client_transfer_id), apiKeyId: textOrNull(r.api_key_id), createdAt: date(r.created_at),
  };
}

/** Maps an api_keys row. */
export function toApiKey(r: Row): ApiKey {
  return {
    id: String(r.id), accountId: String(r.account_id), label: String(r.label), scopes: r.scopes as Scope[],
    algorithm: r.algorithm as KeyAlgorithm, publicKey: textOrNull(r.public_key),
    secretCiphertext: textOrNull(r.secret_ciphertext), createdAt: date(r.created_at),
    lastUsedAt: dateOrNull(r.last_used_at), revokedAt: dateOrNull(r.revoked_at),
    createdByApiKeyId: textOrNull(r.created_by_api_key_id), revokedByApiKeyId: textOrNull(r.revoked_by_api_key_id),
  };
}
