/**
 * Gates for suites that need the real services. CI (`.ci/run`) always sets both variables
 * and fails when a service is unreachable, so these suites never silently skip there; on a
 * laptop without the variables they are reported as skipped, with the reason in the title.
 */

/** Connection string of the test PostgreSQL, or undefined when not configured. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
/** Connection string of the test Redis, or undefined when not configured. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || undefined;

/** `describe` for a suite that runs against PostgreSQL; skipped (with its reason) when TEST_DATABASE_URL is unset. */
export function describeWithPostgres(name: string, fn: (url: string) => void): void {
  if (TEST_DATABASE_URL) describe(name, () => fn(TEST_DATABASE_URL as string));
  else describe.skip(`${name} (skipped: TEST_DATABASE_URL is not set)`, () => fn(''));
}

/** `describe` for a suite that runs against Redis; skipped (with its reason) when TEST_REDIS_URL is unset. */
export function describeWithRedis(name: string, fn: (url: string) => void): void {
  if (TEST_REDIS_URL) describe(name, () => fn(TEST_REDIS_URL as string));
  else describe.skip(`${name} (skipped: TEST_REDIS_URL is not set)`, () => fn(''));
}
