import type { IdempotencyStore } from '../directives/idempotent';
import type { RateLimitStore } from '../directives/rate-limit';
import type { NonceStore } from './signature';

/** The shared security state of a server: Redis for several instances, memory for one. */
export interface SecurityStores {
  /** Where they live, for start-up logs. */
  readonly kind: 'redis' | 'memory';
  readonly nonces: NonceStore;
  readonly rateLimits: RateLimitStore;
  readonly idempotency: IdempotencyStore;
}
