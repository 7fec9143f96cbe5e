import { createMemoryIdempotencyStore } from '@signet/idempotency';
import { createMemoryNonceStore } from '@signet/http-message-signatures';
import { createMemoryRateLimitStore } from '@signet/rate-limit';
import { createSequentialAdmissionStore } from '../../../src/transport/admission';
import { createMemoryKeyVersionStore } from '../../../src/domain';
import { defineAdmissionStoreContract } from '../admission-store.contract';

defineAdmissionStoreContract('sequential admission over the memory stores', () => {
  const parts = { rateLimits: createMemoryRateLimitStore(), nonces: createMemoryNonceStore(), idempotency: createMemoryIdempotencyStore(), keyVersions: createMemoryKeyVersionStore() };
  return { ...parts, admission: createSequentialAdmissionStore(parts) };
});
