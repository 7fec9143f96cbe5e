/**
 * Request admission: every shared-state check a signed request must pass before it runs (its
 * address and account limits, the failed-signature guard, its nonce, its root fields' limits and
 * idempotency leases), taken together so a store can answer them in one round trip.
 */
export {
  isFailedGate,
  leaseStep,
  type AdmissionCheck,
  type AdmissionOutcome,
  type AdmissionStore,
} from './admission-store';
export { createSequentialAdmissionStore, type AdmissionParts } from './sequential-admission-store';
export { createAccountPartitionedRateLimitStore, isAccountCounterKey } from './account-partitioned-rate-limits';
export type { RequestAdmission } from './request-admission';
export { admittedRootField, type AdmittedField, type AdmittedFields } from '../../directives/admitted-fields';
export { planRootFields, type FieldPlan, type PlannedField } from './admission-plan';
