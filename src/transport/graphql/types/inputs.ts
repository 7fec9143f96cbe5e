import { ArrayMaxSize, ArrayMinSize, IsOptional, Length, Matches, MaxLength, ValidateBy } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { MAX_LABEL_LENGTH, MAX_MEMO_LENGTH, isPlainText } from '../../../domain';
import { DecimalScalar } from './scalars';
import { AssetEnum, KeyAlgorithmEnum, OrderSideEnum, OrderTypeEnum, ScopeEnum, SelfTradePreventionEnum, TimeInForceEnum } from './enums';

/**
 * Free text (a memo, a label): checked by the services' own rule (isPlainText: length in
 * characters, no control, invisible or bidirectional-formatting characters), so the schema and the services
 * never disagree about a value (class-validator's length counts differently).
 */
function PlainText(minLength: number, maxLength: number): PropertyDecorator {
  return ValidateBy({
    name: 'plainText',
    validator: {
      validate: (value) => typeof value === 'string' && isPlainText(value, minLength, maxLength),
      defaultMessage: () => `$property is ${minLength === 0 ? 'up to ' : `${minLength}-`}${maxLength} characters${minLength === 0 ? '' : ', not only spaces,'} with no control, invisible or bidirectional-formatting characters`,
    },
  });
}

/** Printable identifiers clients choose themselves. */
export const CLIENT_ID = /^[A-Za-z0-9._:-]+$/;
/** Longest clientOrderId accepted. */
export const MAX_CLIENT_ORDER_ID_LENGTH = 64;
/** Longest clientTransferId accepted (migration 7's CHECK says the same). */
export const MAX_CLIENT_TRANSFER_ID_LENGTH = 64;

/** Arguments of placeOrder. The domain checks the rules between fields (validateOrder); this checks shape only. */
@InputType({ description: 'An order to place: LIMIT (with a price) or MARKET (takes the book\'s prices and never rests).' })
export class PlaceOrderInput {
  @Field({ description: 'Market symbol, e.g. BTC-USD.' }) @MaxLength(32) market!: string;
  @Field(() => OrderSideEnum, { description: 'BUY holds quote asset (price × quantity, or quoteQuantity); SELL holds quantity of the base asset.' }) side!: OrderSideEnum;
  @Field(() => OrderTypeEnum, { defaultValue: OrderTypeEnum.LIMIT, description: 'LIMIT (default) or MARKET.' }) type!: OrderTypeEnum;
  @Field(() => DecimalScalar, { nullable: true, description: 'LIMIT only (required there, refused on MARKET): limit price in the quote asset, a multiple of the tick size.' })
  price?: string | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'Quantity of the base asset, a multiple of the lot size. Required except on a MARKET BUY, which gives this or quoteQuantity.' })
  quantity?: string | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'MARKET BUY only, instead of quantity: spend at most this much of the quote asset (positive, in its precision). Not with FOK.' })
  quoteQuantity?: string | null;
  @Field(() => TimeInForceEnum, { defaultValue: TimeInForceEnum.GTC, description: 'GTC (default), IOC or FOK. A MARKET order never rests: GTC means IOC for it.' }) timeInForce!: TimeInForceEnum;
  @Field({ defaultValue: false, description: 'LIMIT GTC only: refuse the order (POST_ONLY_WOULD_TAKE, nothing placed) if it would trade at placement, so it only ever makes liquidity.' })
  postOnly!: boolean;
  @Field(() => SelfTradePreventionEnum, { defaultValue: SelfTradePreventionEnum.CANCEL_NEWEST, description: 'What happens if it would trade with your own resting order; default CANCEL_NEWEST.' })
  selfTradePrevention!: SelfTradePreventionEnum;
  @Field(() => String, { nullable: true, description: 'Your own id for the order (1-64 of A-Z a-z 0-9 . _ : -), unique per account; look the order up by it with `order(clientOrderId:)`.' })
  @IsOptional() @Length(1, MAX_CLIENT_ORDER_ID_LENGTH) @Matches(CLIENT_ID) clientOrderId?: string | null;
}

/** Arguments of createTransfer. */
@InputType({ description: 'A final transfer of available funds to another account.' })
export class CreateTransferInput {
  @Field(() => ID, { description: 'Id of the receiving account (not your own).' }) @MaxLength(64) toAccountId!: string;
  @Field(() => AssetEnum, { description: 'Asset to move from your available balance.' }) asset!: AssetEnum;
  @Field(() => DecimalScalar, { description: 'Amount to move: positive, at most the asset\'s decimal places (USD 2, BTC and ETH 8).' }) amount!: string;
  @Field(() => String, { nullable: true, description: 'Up to 140 characters, shown to both parties; no control, invisible or bidirectional-formatting characters.' })
  @IsOptional() @PlainText(0, MAX_MEMO_LENGTH) memo?: string | null;
  @Field(() => String, { nullable: true, description: 'Your own id for the transfer (1-64 of A-Z a-z 0-9 . _ : -), unique per sending account, kept for good: a second transfer with it is refused with DUPLICATE_CLIENT_TRANSFER_ID (nothing moves), however long after. Look the transfer up by it with `transfer(clientTransferId:)`.' })
  @IsOptional() @Length(1, MAX_CLIENT_TRANSFER_ID_LENGTH) @Matches(CLIENT_ID) clientTransferId?: string | null;
}

/** Arguments of createApiKey. */
@InputType({ description: 'A new API key. Ed25519 is recommended: the server keeps only the public key.' })
export class CreateApiKeyInput {
  @Field({ description: 'Your name for the key (1-64 characters, not only spaces, no control, invisible or bidirectional-formatting characters), shown in apiKeys.' })
  @PlainText(1, MAX_LABEL_LENGTH) label!: string;
  @Field(() => [ScopeEnum], { description: '1-4 scopes, each one the calling key holds itself.' }) @ArrayMinSize(1) @ArrayMaxSize(4) scopes!: ScopeEnum[];
  @Field(() => KeyAlgorithmEnum, { defaultValue: KeyAlgorithmEnum.ED25519, description: 'Signature algorithm of the new key.' }) algorithm!: KeyAlgorithmEnum;
  @Field(() => String, { nullable: true, description: 'Ed25519 only: your public key (SPKI DER base64 or PEM). Omit to have the server generate a pair.' })
  @IsOptional() @MaxLength(512) publicKey?: string | null;
}
