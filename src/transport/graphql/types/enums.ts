import { registerEnumType } from 'type-graphql';
import { UserErrorCode } from '../../../domain';

/** Assets, as GraphQL sees them. */
export enum AssetEnum { USD = 'USD', BTC = 'BTC', ETH = 'ETH' }
/** Order sides. */
export enum OrderSideEnum { BUY = 'BUY', SELL = 'SELL' }
/** Order types. */
export enum OrderTypeEnum { LIMIT = 'LIMIT' }
/** Order states. */
export enum OrderStatusEnum { OPEN = 'OPEN', CANCELED = 'CANCELED' }
/** API key scopes. */
export enum ScopeEnum { READ = 'READ', TRADE = 'TRADE', TRANSFER = 'TRANSFER', MANAGE_KEYS = 'MANAGE_KEYS' }
/** Signature algorithms: GraphQL names map to the RFC 9421 algorithm names. */
export enum KeyAlgorithmEnum { ED25519 = 'ed25519', HMAC_SHA256 = 'hmac-sha256' }

registerEnumType(AssetEnum, { name: 'Asset', description: 'An asset held in accounts.' });
registerEnumType(OrderSideEnum, { name: 'OrderSide' });
registerEnumType(OrderTypeEnum, { name: 'OrderType', description: 'Only resting limit orders exist until a matching engine does.' });
registerEnumType(OrderStatusEnum, { name: 'OrderStatus' });
registerEnumType(ScopeEnum, {
  name: 'Scope',
  description: 'Permissions of an API key.',
  valuesConfig: {
    READ: { description: 'Read balances, orders, transfers and keys.' },
    TRADE: { description: 'Place and cancel orders.' },
    TRANSFER: { description: 'Move funds to other accounts.' },
    MANAGE_KEYS: { description: 'Create and revoke API keys.' },
  },
});
registerEnumType(KeyAlgorithmEnum, { name: 'KeyAlgorithm', description: 'RFC 9421 signature algorithm of an API key.' });
registerEnumType(UserErrorCode, { name: 'UserErrorCode', description: 'Business outcomes a client can branch on; see ERRORS.md.' });
