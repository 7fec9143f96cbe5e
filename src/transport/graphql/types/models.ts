import { Field, ID, ObjectType } from 'type-graphql';
import { UserErrorCode } from '../../../domain';
import { DecimalScalar } from './scalars';
import { AssetEnum, KeyAlgorithmEnum, OrderSideEnum, OrderStatusEnum, OrderTypeEnum, ScopeEnum } from './enums';

/** A business error inside a mutation payload. */
@ObjectType('UserError', { description: 'A business rule said no. The request itself succeeded.' })
export class UserErrorType {
  @Field(() => UserErrorCode) code!: UserErrorCode;
  @Field() message!: string;
  @Field(() => [String], { nullable: true, description: 'Path of the input field the error concerns, e.g. ["input", "price"].' }) field!: string[] | null;
}

/** One asset's balance. */
@ObjectType('Balance', { description: 'An asset balance: available can be spent; held is reserved by open orders.' })
export class BalanceType {
  @Field(() => AssetEnum) asset!: AssetEnum;
  @Field(() => DecimalScalar) available!: string;
  @Field(() => DecimalScalar) held!: string;
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
  @Field({ description: 'For example BTC-USD.' }) symbol!: string;
  @Field(() => AssetEnum) baseAsset!: AssetEnum;
  @Field(() => AssetEnum) quoteAsset!: AssetEnum;
  @Field(() => DecimalScalar, { description: 'Prices are multiples of this.' }) tickSize!: string;
  @Field(() => DecimalScalar, { description: 'Quantities are multiples of this.' }) lotSize!: string;
  @Field(() => DecimalScalar) minQuantity!: string;
  @Field(() => DecimalScalar) maxQuantity!: string;
  @Field(() => DecimalScalar) maxPrice!: string;
}

/** A resting order. */
@ObjectType('Order', { description: 'A limit order. It rests (OPEN) until canceled; its funds are held meanwhile.' })
export class OrderType {
  @Field(() => ID) id!: string;
  @Field() market!: string;
  @Field(() => OrderSideEnum) side!: OrderSideEnum;
  @Field(() => OrderTypeEnum) type!: OrderTypeEnum;
  @Field(() => DecimalScalar) price!: string;
  @Field(() => DecimalScalar) quantity!: string;
  @Field(() => String, { nullable: true }) clientOrderId!: string | null;
  @Field(() => OrderStatusEnum) status!: OrderStatusEnum;
  @Field(() => AssetEnum, { description: 'Asset reserved while the order is open.' }) holdAsset!: AssetEnum;
  @Field(() => DecimalScalar, { description: 'Amount reserved while the order is open (BUY: price × quantity rounded up).' }) holdAmount!: string;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

/** A final transfer. */
@ObjectType('Transfer', { description: 'A final movement of funds between accounts. No API reverses it.' })
export class TransferType {
  @Field(() => ID) id!: string;
  @Field(() => ID) fromAccountId!: string;
  @Field(() => ID) toAccountId!: string;
  @Field(() => AssetEnum) asset!: AssetEnum;
  @Field(() => DecimalScalar) amount!: string;
  @Field(() => String, { nullable: true }) memo!: string | null;
  @Field() createdAt!: Date;
}

/** An API key, without its secret material. */
@ObjectType('ApiKey', { description: 'An API key. Its private key or secret is shown only once, at creation.' })
export class ApiKeyType {
  @Field(() => ID, { description: 'The key id: the `keyid` parameter of a signature.' }) id!: string;
  @Field() label!: string;
  @Field(() => [ScopeEnum]) scopes!: ScopeEnum[];
  @Field(() => KeyAlgorithmEnum) algorithm!: KeyAlgorithmEnum;
  @Field(() => String, { nullable: true, description: 'Ed25519 public key (SPKI DER, base64); null for HMAC keys.' }) publicKey!: string | null;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) lastUsedAt!: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
}

/** Cursor pagination state. */
@ObjectType({ description: 'Where a page ends and whether more follow.' })
export class PageInfo {
  @Field() hasNextPage!: boolean;
  @Field(() => String, { nullable: true, description: 'Pass as `after` to get the next page.' }) endCursor!: string | null;
}

/** A page of orders. */
@ObjectType({ description: 'A page of orders, newest first.' })
export class OrderConnection {
  @Field(() => [OrderType]) nodes!: OrderType[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

/** A page of transfers. */
@ObjectType({ description: 'A page of transfers (sent and received), newest first.' })
export class TransferConnection {
  @Field(() => [TransferType]) nodes!: TransferType[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

/** The calling account. */
@ObjectType('Account', { description: 'An account that holds balances, orders, transfers and API keys.' })
export class AccountType {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() createdAt!: Date;
}
