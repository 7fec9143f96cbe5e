import { createMemoryIdempotencyStore } from '@signet/idempotency';
import { createMemoryNonceStore, createMemoryRateLimitStore } from '../../../src/stores/memory';
import { createSequentialAdmissionStore } from '../../../src/transport/admission';
import { defineAdmissionStoreContract } from '../admission-store.contract';

defineAdmissionStoreContract('sequential admission over the memory stores', () => {
  const parts = { rateLimits: createMemoryRateLimitStore(), nonces: createMemoryNonceStore(), idempotency: createMemoryIdempotencyStore() };
  return { ...parts, admission: createSequentialAdmissionStore(parts) };
});
