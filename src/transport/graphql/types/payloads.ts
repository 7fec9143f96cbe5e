import { Field, ObjectType } from 'type-graphql';
import { ApiKeyType, OrderType, TransferType, UserErrorType } from './models';

/** Description of every payload's `userErrors`: one meaning everywhere. */
const USER_ERRORS = 'Empty on success; otherwise why nothing changed (then the entity field is null).';

/** Result of placeOrder; `fills` is resolved from the order (PlaceOrderPayloadResolver), so a replay shows the same ones. */
@ObjectType({ description: 'The placed order and the fills it made at placement, or the user errors that prevented it.' })
export class PlaceOrderPayload {
  @Field(() => OrderType, { nullable: true, description: 'The order as it is now: OPEN or PARTIALLY_FILLED if it rests, FILLED, or EXPIRED/CANCELED with statusReason; null when userErrors is not empty.' })
  order!: OrderType | null;
  @Field(() => [UserErrorType], { description: USER_ERRORS }) userErrors!: UserErrorType[];
}

/** Result of cancelAllOrders. */
@ObjectType({ description: 'The orders canceled, or the user errors that prevented it.' })
export class CancelAllOrdersPayload {
  @Field(() => [OrderType], { description: 'The orders this call canceled (CANCELED, CANCELED_BY_USER, holds released), as they are now; empty when none was live or userErrors is not empty.' })
  orders!: OrderType[];
  @Field(() => [UserErrorType], { description: 'Empty on success; otherwise why nothing changed (then orders is empty).' }) userErrors!: UserErrorType[];
}

/** Result of cancelOrder. */
@ObjectType({ description: 'The canceled order, or the user errors that prevented it.' })
export class CancelOrderPayload {
  @Field(() => OrderType, { nullable: true, description: 'The order, now CANCELED (CANCELED_BY_USER) with the rest of its hold released; null when userErrors is not empty.' }) order!: OrderType | null;
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
