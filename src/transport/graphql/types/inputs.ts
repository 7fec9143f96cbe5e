import { ArrayMaxSize, ArrayMinSize, IsOptional, Length, Matches, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { MAX_LABEL_LENGTH, MAX_MEMO_LENGTH, PLAIN_TEXT_PATTERN } from '../../../domain';
import { DecimalScalar } from './scalars';
import { AssetEnum, KeyAlgorithmEnum, OrderSideEnum, OrderTypeEnum, ScopeEnum } from './enums';

/** What a refused memo or label is told (class-validator's default would print the pattern). */
const PLAIN_TEXT_MESSAGE = '$property must not contain control or bidirectional-override characters';

/** Printable identifiers clients choose themselves. */
const CLIENT_ID = /^[A-Za-z0-9._:-]+$/;

/** Arguments of placeOrder. */
@InputType({ description: 'A limit order to place.' })
export class PlaceOrderInput {
  @Field({ description: 'Market symbol, e.g. BTC-USD.' }) @MaxLength(32) market!: string;
  @Field(() => OrderSideEnum, { description: 'BUY holds price × quantity of the quote asset; SELL holds quantity of the base asset.' }) side!: OrderSideEnum;
  @Field(() => OrderTypeEnum, { defaultValue: OrderTypeEnum.LIMIT, description: 'LIMIT, the only type for now.' }) type!: OrderTypeEnum;
  @Field(() => DecimalScalar, { description: 'Limit price in the quote asset; a multiple of the tick size.' }) price!: string;
  @Field(() => DecimalScalar, { description: 'Quantity of the base asset; a multiple of the lot size.' }) quantity!: string;
  @Field(() => String, { nullable: true, description: 'Your own id for the order (1-64 of A-Z a-z 0-9 . _ : -), unique per account.' })
  @IsOptional() @Length(1, 64) @Matches(CLIENT_ID) clientOrderId?: string | null;
}

/** Arguments of createTransfer. */
@InputType({ description: 'A final transfer of available funds to another account.' })
export class CreateTransferInput {
  @Field(() => ID, { description: 'Id of the receiving account (not your own).' }) @MaxLength(64) toAccountId!: string;
  @Field(() => AssetEnum, { description: 'Asset to move from your available balance.' }) asset!: AssetEnum;
  @Field(() => DecimalScalar, { description: 'Amount to move: positive, at most the asset\'s decimal places (USD 2, BTC and ETH 8).' }) amount!: string;
  @Field(() => String, { nullable: true, description: 'Up to 140 characters, shown to both parties; no control or bidirectional-override characters.' })
  @IsOptional() @MaxLength(MAX_MEMO_LENGTH) @Matches(PLAIN_TEXT_PATTERN, { message: PLAIN_TEXT_MESSAGE }) memo?: string | null;
}

/** Arguments of createApiKey. */
@InputType({ description: 'A new API key. Ed25519 is recommended: the server keeps only the public key.' })
export class CreateApiKeyInput {
  @Field({ description: 'Your name for the key (1-64 characters, no control or bidirectional-override characters), shown in apiKeys.' })
  @Length(1, MAX_LABEL_LENGTH) @Matches(PLAIN_TEXT_PATTERN, { message: PLAIN_TEXT_MESSAGE }) label!: string;
  @Field(() => [ScopeEnum], { description: '1-4 scopes, each one the calling key holds itself.' }) @ArrayMinSize(1) @ArrayMaxSize(4) scopes!: ScopeEnum[];
  @Field(() => KeyAlgorithmEnum, { defaultValue: KeyAlgorithmEnum.ED25519, description: 'Signature algorithm of the new key.' }) algorithm!: KeyAlgorithmEnum;
  @Field(() => String, { nullable: true, description: 'Ed25519 only: your public key (SPKI DER base64 or PEM). Omit to have the server generate a pair.' })
  @IsOptional() @MaxLength(512) publicKey?: string | null;
}
