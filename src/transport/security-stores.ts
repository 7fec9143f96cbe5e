import type { IdempotencyStore } from '@signet/idempotency';
import type { RateLimitStore } from '@signet/rate-limit';
import type { NonceStore } from '@signet/http-message-signatures';
import type { AdmissionStore } from './admission';

/** The shared security state of a server: Redis for several instances, memory for one. */
export interface SecurityStores {
  /** Where they live, for start-up logs. */
  readonly kind: 'redis' | 'memory';
  readonly nonces: NonceStore;
  readonly rateLimits: RateLimitStore;
  readonly idempotency: IdempotencyStore;
  /** The three above in one call per request (one Redis script; the memory stores in turn). */
  readonly admission: AdmissionStore;
}
