/** In-process adapters of the security store ports: one server process only. */
export { createMemoryNonceStore, type MemoryNonceStore } from '@signet/http-message-signatures';
export { createMemoryRateLimitStore, MemoryRateLimitStore } from '@signet/rate-limit';
