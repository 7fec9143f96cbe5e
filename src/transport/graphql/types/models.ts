import { Field, ID, ObjectType } from 'type-graphql';
import { UserErrorCode } from '../../../domain';
import { DecimalScalar } from './scalars';
import { AssetEnum, KeyAlgorithmEnum, OrderSideEnum, OrderStatusEnum, OrderTypeEnum, ScopeEnum } from './enums';

/** A business error inside a mutation payload. */
@ObjectType('UserError', { description: 'A business rule said no. The request itself succeeded.' })
export class UserErrorType {
  @Field(() => UserErrorCode, { description: 'Stable code to branch on.' }) code!: UserErrorCode;
  @Field({ description: 'Human-readable explanation, in English; may change: never parse it.' }) message!: string;
  @Field(() => [String], { nullable: true, description: 'Path of the input field the error concerns, e.g. ["input", "price"]; null when it concerns no single field.' }) field!: string[] | null;
}

/** One asset's balance. */
@ObjectType('Balance', { description: 'An asset balance: available can be spent; held is reserved by open orders.' })
export class BalanceType {
  @Field(() => AssetEnum, { description: 'The asset this balance counts.' }) asset!: AssetEnum;
  @Field(() => DecimalScalar, { description: 'Amount free to spend: new orders and transfers draw on it. Never negative.' }) available!: string;
  @Field(() => DecimalScalar, { description: 'Amount reserved by open orders; released when they are canceled. Never negative.' }) held!: string;
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
}

/** A resting order. */
@ObjectType('Order', { description: 'A limit order. It rests (OPEN) until canceled; its funds are held meanwhile.' })
export class OrderType {
  @Field(() => ID, { description: 'Server-assigned opaque id.' }) id!: string;
  @Field({ description: 'Market symbol, e.g. BTC-USD.' }) market!: string;
  @Field(() => OrderSideEnum, { description: 'BUY or SELL of the base asset.' }) side!: OrderSideEnum;
  @Field(() => OrderTypeEnum, { description: 'Always LIMIT for now.' }) type!: OrderTypeEnum;
  @Field(() => DecimalScalar, { description: 'Limit price in the quote asset.' }) price!: string;
  @Field(() => DecimalScalar, { description: 'Quantity in the base asset.' }) quantity!: string;
  @Field(() => String, { nullable: true, description: 'The id you gave at placement; null when you gave none.' }) clientOrderId!: string | null;
  @Field(() => OrderStatusEnum, { description: 'OPEN while resting, CANCELED once canceled.' }) status!: OrderStatusEnum;
  @Field(() => AssetEnum, { description: 'Asset reserved while the order is open.' }) holdAsset!: AssetEnum;
  @Field(() => DecimalScalar, { description: 'Amount reserved while the order is open (BUY: price × quantity rounded up).' }) holdAmount!: string;
  @Field({ description: 'When the order was placed (server clock, UTC).' }) createdAt!: Date;
  @Field({ description: 'When the order last changed status (server clock, UTC); equals createdAt until then.' }) updatedAt!: Date;
}

/** A final transfer. */
@ObjectType('Transfer', { description: 'A final movement of funds between accounts. No API reverses it.' })
export class TransferType {
  @Field(() => ID, { description: 'Server-assigned opaque id.' }) id!: string;
  @Field(() => ID, { description: 'Sending account; your own id when you sent it.' }) fromAccountId!: string;
  @Field(() => ID, { description: 'Receiving account; your own id when you received it.' }) toAccountId!: string;
  @Field(() => AssetEnum, { description: 'The asset moved.' }) asset!: AssetEnum;
  @Field(() => DecimalScalar, { description: 'Amount moved, positive, in the asset.' }) amount!: string;
  @Field(() => String, { nullable: true, description: 'The sender\'s note (up to 140 characters); null when none was given.' }) memo!: string | null;
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
}

/** The calling account. */
@ObjectType('Account', { description: 'An account that holds balances, orders, transfers and API keys.' })
export class AccountType {
  @Field(() => ID, { description: 'Server-assigned opaque id: the `toAccountId` others send transfers to.' }) id!: string;
  @Field({ description: 'Unique account name, set when the account was opened.' }) name!: string;
  @Field({ description: 'When the account was opened (server clock, UTC).' }) createdAt!: Date;
}
