/** In-process adapters of the security store ports: one server process only. */
export { createMemoryNonceStore, type MemoryNonceStore } from './memory-nonce-store';
export { createMemoryRateLimitStore, MemoryRateLimitStore } from '@signet/rate-limit';
