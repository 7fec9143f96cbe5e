import { Field, ObjectType } from 'type-graphql';
import { ApiKeyType, OrderType, TransferType, UserErrorType } from './models';

/** Description of every payload's `userErrors`: one meaning everywhere. */
const USER_ERRORS = 'Empty on success; otherwise why nothing changed (then the entity field is null).';

/** Result of placeOrder. */
@ObjectType({ description: 'The placed order, or the user errors that prevented it.' })
export class PlaceOrderPayload {
  @Field(() => OrderType, { nullable: true, description: 'The new OPEN order, its funds held; null when userErrors is not empty.' }) order!: OrderType | null;
  @Field(() => [UserErrorType], { description: USER_ERRORS }) userErrors!: UserErrorType[];
}

/** Result of cancelOrder. */
@ObjectType({ description: 'The canceled order, or the user errors that prevented it.' })
export class CancelOrderPayload {
  @Field(() => OrderType, { nullable: true, description: 'The order, now CANCELED with its hold released; null when userErrors is not empty.' }) order!: OrderType | null;
  @Field(() => [UserErrorType], { description: USER_ERRORS }) userErrors!: UserErrorType[];
}

/** Result of createTransfer. */
@ObjectType({ description: 'The transfer, or the user errors that prevented it.' })
export class CreateTransferPayload {
  @Field(() => TransferType, { nullable: true, description: 'The completed transfer; null when userErrors is not empty.' }) transfer!: TransferType | null;
  @Field(() => [UserErrorType], { description: USER_ERRORS }) userErrors!: UserErrorType[];
}

/** Result of createApiKey. */
@ObjectType({ description: 'The new key. privateKey or secret is shown here once and never again.' })
export class CreateApiKeyPayload {
  @Field(() => ApiKeyType, { nullable: true, description: 'The new, active key; null when userErrors is not empty.' }) apiKey!: ApiKeyType | null;
  @Field(() => String, { nullable: true, description: 'Ed25519 private key (PKCS#8 DER, base64) when the server generated the pair; null when you sent a public key, for HMAC keys, and on an idempotent replay.' }) privateKey!: string | null;
  @Field(() => String, { nullable: true, description: 'HMAC-SHA256 secret (base64) for an HMAC key; null otherwise and on an idempotent replay.' }) secret!: string | null;
  @Field(() => [UserErrorType], { description: USER_ERRORS }) userErrors!: UserErrorType[];
}

/** Result of revokeApiKey. */
@ObjectType({ description: 'The revoked key, or the user errors that prevented it.' })
export class RevokeApiKeyPayload {
  @Field(() => ApiKeyType, { nullable: true, description: 'The key, now with revokedAt set; null when userErrors is not empty.' }) apiKey!: ApiKeyType | null;
  @Field(() => [UserErrorType], { description: USER_ERRORS }) userErrors!: UserErrorType[];
}
