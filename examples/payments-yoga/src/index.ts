/**
 * signet-example-payments-yoga: a payments API on graphql-yoga that uses the Signet directive
 * packages (`@signed`, `@rateLimit`, `@idempotent`) by their package names.
 */
export { start, type PaymentsServerOptions, type RunningPaymentsServer } from './server';
export { KeyRegistry, type RegisteredKey } from './keys';
export { Ledger, PaymentRefused, type Payment } from './ledger';
