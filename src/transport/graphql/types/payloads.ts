import { Field, ObjectType } from 'type-graphql';
import { ApiKeyType, OrderType, TransferType, UserErrorType } from './models';

/** Result of placeOrder. */
@ObjectType({ description: 'The placed order, or the user errors that prevented it.' })
export class PlaceOrderPayload {
  @Field(() => OrderType, { nullable: true }) order!: OrderType | null;
  @Field(() => [UserErrorType]) userErrors!: UserErrorType[];
}

/** Result of cancelOrder. */
@ObjectType({ description: 'The canceled order, or the user errors that prevented it.' })
export class CancelOrderPayload {
  @Field(() => OrderType, { nullable: true }) order!: OrderType | null;
  @Field(() => [UserErrorType]) userErrors!: UserErrorType[];
}

/** Result of createTransfer. */
@ObjectType({ description: 'The transfer, or the user errors that prevented it.' })
export class CreateTransferPayload {
  @Field(() => TransferType, { nullable: true }) transfer!: TransferType | null;
  @Field(() => [UserErrorType]) userErrors!: UserErrorType[];
}

/** Result of createApiKey. */
@ObjectType({ description: 'The new key. privateKey or secret is shown here once and never again.' })
export class CreateApiKeyPayload {
  @Field(() => ApiKeyType, { nullable: true }) apiKey!: ApiKeyType | null;
  @Field(() => String, { nullable: true, description: 'Ed25519 private key (PKCS#8 DER, base64) when the server generated the pair.' }) privateKey!: string | null;
  @Field(() => String, { nullable: true, description: 'HMAC-SHA256 secret (base64).' }) secret!: string | null;
  @Field(() => [UserErrorType]) userErrors!: UserErrorType[];
}

/** Result of revokeApiKey. */
@ObjectType({ description: 'The revoked key, or the user errors that prevented it.' })
export class RevokeApiKeyPayload {
  @Field(() => ApiKeyType, { nullable: true }) apiKey!: ApiKeyType | null;
  @Field(() => [UserErrorType]) userErrors!: UserErrorType[];
}
