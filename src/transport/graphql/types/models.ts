import { Field, ID, Int, ObjectType } from 'type-graphql';
import { UserErrorCode } from '../../../domain';
import { DecimalScalar, SequenceScalar } from './scalars';
import {
  AssetEnum, KeyAlgorithmEnum, LiquidityEnum, OrderSideEnum, OrderStatusEnum, OrderStatusReasonEnum, OrderTypeEnum, ScopeEnum, SelfTradePreventionEnum, TimeInForceEnum,
} from './enums';

/** A business error inside a mutation payload. */
@ObjectType('UserError', { description: 'A business rule said no. The request itself succeeded.' })
export class UserErrorType {
  @Field(() => UserErrorCode, { description: 'Stable code to branch on.' }) code!: UserErrorCode;
  @Field({ description: 'Human-readable explanation, in English; may change: never parse it.' }) message!: string;
  @Field(() => [String], { nullable: true, description: 'Path of the input field the error concerns, e.g. ["input", "price"]; null when it concerns no single field.' }) field!: string[] | null;
}

/** One asset's balance. */
@ObjectType('Balance', { description: 'An asset balance: available can be spent; held is reserved by live orders.' })
export class BalanceType {
  @Field(() => AssetEnum, { description: 'The asset this balance counts.' }) asset!: AssetEnum;
  @Field(() => DecimalScalar, { description: 'Amount free to spend: new orders and transfers draw on it. Never negative.' }) available!: string;
  @Field(() => DecimalScalar, { description: 'Amount reserved by live orders; spent as they fill, released when they are canceled or expire. Never negative.' }) held!: string;
}

/** Total USD value of an account. */
@ObjectType('Valuation', { description: 'What the account\'s balances are worth in USD at `asOf`.' })
export class ValuationType {
  @Field(() => DecimalScalar, { description: 'Sum of every balance (available + held) in USD, to the cent.' }) totalUsd!: string;
  @Field({ description: 'When the prices used were observed.' }) asOf!: Date;
}

/** A market's trading rules. */
@ObjectType('Market', { description: 'A market and its trading rules.' })
export class MarketType {
  @Field({ description: 'For example BTC-USD: base asset, then quote asset.' }) symbol!: string;
  @Field(() => AssetEnum, { description: 'The asset bought or sold; quantities are in it.' }) baseAsset!: AssetEnum;
  @Field(() => AssetEnum, { description: 'The asset prices are in; a BUY holds it.' }) quoteAsset!: AssetEnum;
  @Field(() => DecimalScalar, { description: 'Prices are multiples of this.' }) tickSize!: string;
  @Field(() => DecimalScalar, { description: 'Quantities are multiples of this.' }) lotSize!: string;
  @Field(() => DecimalScalar, { description: 'Smallest quantity an order may have, in the base asset.' }) minQuantity!: string;
  @Field(() => DecimalScalar, { description: 'Largest quantity an order may have, in the base asset.' }) maxQuantity!: string;
  @Field(() => DecimalScalar, { description: 'Highest limit price accepted, in the quote asset.' }) maxPrice!: string;
  @Field(() => DecimalScalar, { description: 'Fee rate of the resting (maker) side of a trade, e.g. "0.001" for 0.1 %; charged in the asset that side receives, rounded down.' }) makerFeeRate!: string;
  @Field(() => DecimalScalar, { description: 'Fee rate of the incoming (taker) side of a trade, e.g. "0.002" for 0.2 %; charged in the asset that side receives, rounded down.' }) takerFeeRate!: string;
}

/** An order; `remainingQuantity`, `averagePrice` and `fills` are resolved by OrderFieldsResolver. */
@ObjectType('Order', { description: 'An order: it trades against the book at placement; a LIMIT GTC remainder rests until filled or canceled, its funds held meanwhile.' })
export class OrderType {
  @Field(() => ID, { description: 'Server-assigned opaque id.' }) id!: string;
  @Field(() => SequenceScalar, { name: 'sequence', description: 'Placement order: increases with every order placed, across all accounts and markets, never reused (not contiguous). `me.orders` is newest first by it; it does not change when the order fills or is canceled.' }) seq!: number;
  @Field({ description: 'Market symbol, e.g. BTC-USD.' }) market!: string;
  @Field(() => OrderSideEnum, { description: 'BUY or SELL of the base asset.' }) side!: OrderSideEnum;
  @Field(() => OrderTypeEnum, { description: 'LIMIT or MARKET.' }) type!: OrderTypeEnum;
  @Field(() => DecimalScalar, { nullable: true, description: 'Limit price in the quote asset; null for a MARKET order.' }) price!: string | null;
  @Field(() => DecimalScalar, { description: 'Quantity in the base asset. A MARKET BUY by quoteQuantity gets what it bought once it completes.' }) quantity!: string;
  @Field(() => DecimalScalar, { nullable: true, description: 'MARKET BUY by budget: the most quote asset it could spend; null otherwise.' }) quoteQuantity!: string | null;
  @Field(() => TimeInForceEnum, { description: 'As placed, except that a MARKET order\'s GTC reads IOC (it never rests).' }) timeInForce!: TimeInForceEnum;
  @Field({ description: 'True when it was placed postOnly (it only ever made liquidity).' }) postOnly!: boolean;
  @Field(() => SelfTradePreventionEnum, { description: 'What it does when it would trade with an order of the same account.' }) selfTradePrevention!: SelfTradePreventionEnum;
  @Field(() => String, { nullable: true, description: 'The id you gave at placement; null when you gave none.' }) clientOrderId!: string | null;
  @Field(() => OrderStatusEnum, { description: 'OPEN or PARTIALLY_FILLED while resting; FILLED, CANCELED or EXPIRED once final.' }) status!: OrderStatusEnum;
  @Field(() => OrderStatusReasonEnum, { nullable: true, description: 'Why it was CANCELED or EXPIRED; null otherwise.' }) statusReason!: OrderStatusReasonEnum | null;
  @Field(() => DecimalScalar, { description: 'Base quantity filled so far.' }) filledQuantity!: string;
  @Field(() => AssetEnum, { description: 'Asset reserved while the order is live: the quote asset for a BUY, the base asset for a SELL.' }) holdAsset!: AssetEnum;
  @Field(() => DecimalScalar, { description: 'Amount reserved at placement (LIMIT BUY: price × quantity rounded up; MARKET BUY: quoteQuantity, or the cost of the fills the book offered).' }) holdAmount!: string;
  @Field(() => DecimalScalar, { description: 'Part of the hold still reserved; 0 once the order is final (the rest was spent by fills or released).' }) holdRemaining!: string;
  @Field(() => ID, { nullable: true, description: 'The API key whose signed request placed it (an `ApiKey.id` of your account, revoked ones included): what a leaked key did can be listed. Null when an operator placed it (the CLI, the demo\'s seed) or it was placed before this field existed.' }) apiKeyId!: string | null;
  @Field(() => ID, { nullable: true, description: 'The API key whose signed request canceled it (an `ApiKey.id` of your account, revoked ones included): the key of a cancelOrder or cancelAllOrders call (statusReason CANCELED_BY_USER), or of the placement whose self-trade prevention canceled it (SELF_TRADE_PREVENTION). Null while the order is live, when it filled or ended by its own terms (IOC, FOK, MARKET remainders), when an operator\'s placement canceled it, and for orders ended before this field existed.' }) canceledByApiKeyId!: string | null;
  @Field({ description: 'When the order was placed (server clock, UTC).' }) createdAt!: Date;
  @Field({ description: 'When the order last changed (a fill, a cancel; server clock, UTC); equals createdAt until then.' }) updatedAt!: Date;
}

/** One order's side of a trade. */
@ObjectType('Fill', { description: 'One order\'s side of a trade. Each trade has two fills, the maker\'s and the taker\'s, sharing tradeId.' })
export class FillType {
  @Field(() => ID, { description: 'Server-assigned opaque id of this fill.' }) id!: string;
  @Field(() => SequenceScalar, { description: 'Increases with every fill, across all markets and never reused: a trade\'s maker fill, then its taker fill.' }) sequence!: number;
  @Field(() => ID, { description: 'The trade this fill is one side of; the other order\'s fill has the same tradeId.' }) tradeId!: string;
  @Field(() => ID, { description: 'The order that filled.' }) orderId!: string;
  @Field({ description: 'Market symbol, e.g. BTC-USD.' }) market!: string;
  @Field(() => OrderSideEnum, { description: 'The side of the order that filled.' }) side!: OrderSideEnum;
  @Field(() => DecimalScalar, { description: 'Trade price in the quote asset: the resting (maker) order\'s price.' }) price!: string;
  @Field(() => DecimalScalar, { description: 'Base quantity traded.' }) quantity!: string;
  @Field(() => DecimalScalar, { description: 'Quote amount that changed hands for this trade: the buyer pays in total the exact cost of its fills rounded up to the quote asset\'s decimals, so one fill\'s amount may differ from price × quantity by the rounding.' })
  quoteAmount!: string;
  @Field(() => DecimalScalar, { description: 'Fee charged to this side, in feeAsset, rounded down to its decimals (may be 0).' }) fee!: string;
  @Field(() => AssetEnum, { description: 'The asset this side received, in which the fee is charged: the base asset for a BUY, the quote asset for a SELL.' }) feeAsset!: AssetEnum;
  @Field(() => LiquidityEnum, { description: 'MAKER when the order was resting, TAKER when it was the incoming order.' }) liquidity!: LiquidityEnum;
  @Field({ description: 'When the trade executed (server clock, UTC).' }) createdAt!: Date;
}

/** A public trade: the taker's fill, without account or fee. */
@ObjectType('Trade', { description: 'A public trade of a market.' })
export class TradeType {
  @Field(() => ID, { description: 'Id of the taker\'s fill of the trade.' }) id!: string;
  @Field(() => ID, { description: 'The trade\'s id: the tradeId of both its fills, so a bot finds its own side of a public trade in `me.fills`.' }) tradeId!: string;
  @Field(() => SequenceScalar, { description: 'The taker fill\'s sequence: increases with every trade, never reused; shared by all markets and fills, so not contiguous within one market.' }) sequence!: number;
  @Field(() => DecimalScalar, { description: 'Trade price in the quote asset (the resting order\'s price).' }) price!: string;
  @Field(() => DecimalScalar, { description: 'Base quantity traded.' }) quantity!: string;
  @Field(() => OrderSideEnum, { description: 'Side of the incoming (taker) order: BUY when a buyer took an ask.' }) takerSide!: OrderSideEnum;
  @Field({ description: 'When the trade executed (server clock, UTC).' }) createdAt!: Date;
}

/** One aggregated price level. */
@ObjectType('BookLevel', { description: 'All live orders of one side at one price.' })
export class BookLevelType {
  @Field(() => DecimalScalar, { description: 'Price in the quote asset.' }) price!: string;
  @Field(() => DecimalScalar, { description: 'Sum of the remaining (unfilled) quantities at this price, in the base asset.' }) quantity!: string;
  @Field(() => Int, { description: 'How many live orders rest at this price.' }) orderCount!: number;
}

/** A market's aggregated book. */
@ObjectType('OrderBook', { description: 'A market\'s live orders aggregated by price, read at one instant.' })
export class OrderBookType {
  @Field({ description: 'Market symbol, e.g. BTC-USD.' }) market!: string;
  @Field(() => SequenceScalar, { description: 'The book\'s sequence number: it increases with every placement and cancel in the market, so a larger one is a later book.' }) sequence!: number;
  @Field(() => SequenceScalar, { nullable: true, description: 'The `sequence` of the market\'s latest trade when the book was read: every trade up to it is reflected in these levels and no later one, so a client that also reads `trades` can tell which of them the book already shows. Null before the market\'s first trade.' }) lastTradeSequence!: number | null;
  @Field(() => [BookLevelType], { description: 'Buy levels, highest price first.' }) bids!: BookLevelType[];
  @Field(() => [BookLevelType], { description: 'Sell levels, lowest price first.' }) asks!: BookLevelType[];
}

/** A market's ticker. */
@ObjectType('Ticker', { description: 'A market\'s last price, best prices and volume.' })
export class TickerType {
  @Field({ description: 'Market symbol, e.g. BTC-USD.' }) market!: string;
  @Field(() => DecimalScalar, { nullable: true, description: 'Price of the latest trade; null before the first.' }) lastPrice!: string | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'Highest live buy price; null when there is none.' }) bestBid!: string | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'Lowest live sell price; null when there is none.' }) bestAsk!: string | null;
  @Field(() => DecimalScalar, { description: 'Base quantity traded in the last 24 hours.' }) volume24h!: string;
}

/** A final transfer; `apiKeyId` is resolved by TransferFieldsResolver (the sender's only). */
@ObjectType('Transfer', { description: 'A final movement of funds between accounts. No API reverses it.' })
export class TransferType {
  @Field(() => ID, { description: 'Server-assigned opaque id.' }) id!: string;
  @Field(() => SequenceScalar, { name: 'sequence', description: 'Increases with every transfer, across all accounts, never reused (not contiguous). `me.transfers` is newest first by it.' }) seq!: number;
  @Field(() => ID, { description: 'Sending account; your own id when you sent it.' }) fromAccountId!: string;
  @Field(() => ID, { description: 'Receiving account; your own id when you received it.' }) toAccountId!: string;
  @Field(() => AssetEnum, { description: 'The asset moved.' }) asset!: AssetEnum;
  @Field(() => DecimalScalar, { description: 'Amount moved, positive, in the asset.' }) amount!: string;
  @Field(() => String, { nullable: true, description: 'The sender\'s note (up to 140 characters); null when none was given.' }) memo!: string | null;
  @Field(() => String, { nullable: true, description: 'The id the sender gave the transfer (unique per sending account); null when none was given.' }) clientTransferId!: string | null;
  @Field({ description: 'When the transfer took effect (server clock, UTC).' }) createdAt!: Date;
}

/** An API key, without its secret material. */
@ObjectType('ApiKey', { description: 'An API key. Its private key or secret is shown only once, at creation.' })
export class ApiKeyType {
  @Field(() => ID, { description: 'The key id: the `keyid` parameter of a signature.' }) id!: string;
  @Field({ description: 'The name given at creation.' }) label!: string;
  @Field(() => [ScopeEnum], { description: 'What requests signed with this key may do.' }) scopes!: ScopeEnum[];
  @Field(() => KeyAlgorithmEnum, { description: 'The `alg` its signatures use.' }) algorithm!: KeyAlgorithmEnum;
  @Field(() => String, { nullable: true, description: 'Ed25519 public key (SPKI DER, base64); null for HMAC keys.' }) publicKey!: string | null;
  @Field({ description: 'When the key was created (server clock, UTC).' }) createdAt!: Date;
  @Field(() => Date, { nullable: true, description: 'Last verified signature with this key, recorded in batches (may lag by a few seconds); null when never used.' }) lastUsedAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'When the key was revoked; null while it is active. A revoked key never verifies again.' }) revokedAt!: Date | null;
  @Field(() => ID, { nullable: true, description: 'The key whose signed createApiKey made this one (an `ApiKey.id` of your account, revoked ones included): after a key leaks, the keys it minted to keep its access can be found and revoked. Null for a key an operator made (the CLI, the demo\'s seed) or one made before this field existed.' }) createdByApiKeyId!: string | null;
  @Field(() => ID, { nullable: true, description: 'The key whose signed revokeApiKey revoked this one (itself, for a key that revoked itself). Null while the key is active, when an operator revoked it (the CLI) and for revocations before this field existed.' }) revokedByApiKeyId!: string | null;
}

/** The calling account. */
@ObjectType('Account', { description: 'An account that holds balances, orders, transfers and API keys.' })
export class AccountType {
  @Field(() => ID, { description: 'Server-assigned opaque id: the `toAccountId` others send transfers to.' }) id!: string;
  @Field({ description: 'Unique account name, set when the account was opened.' }) name!: string;
  @Field({ description: 'When the account was opened (server clock, UTC).' }) createdAt!: Date;
}
