import ms from 'ms';

/** Longest accepted window: 24 hours. Longer windows belong to quotas, not rate limits. */
export const MAX_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Parses a `@rateLimit(window: ...)` value in `ms` syntax ("500ms", "10s", "1m", "1h", "1.5h")
 * into milliseconds. A bare number ("1000") means milliseconds, as in `ms` and
 * graphql-rate-limit, so migrated schemas keep their meaning.
 *
 * @throws Error naming the bad value when it is not `ms` syntax, is zero or negative, is not a
 *   whole number of milliseconds, or is longer than 24 hours. Call it while building the schema
 *   so a typo fails at startup, not on the first request.
 */
export function parseWindow(window: string): number {
  if (typeof window !== 'string' || window.trim() === '') {
    throw new Error(`Invalid rate-limit window ${JSON.stringify(window)}: expected a duration such as "10s", "1m" or "500ms"`);
  }
  // `ms` returns undefined for text it does not understand (and throws on some inputs).
  let parsed: number | undefined;
  try {
    parsed = ms(window as ms.StringValue);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || !Number.isFinite(parsed)) {
    throw new Error(`Invalid rate-limit window ${JSON.stringify(window)}: expected a duration such as "10s", "1m" or "500ms"`);
  }
  return checkWindowMs(parsed, JSON.stringify(window));
}

/**
 * Checks a window already in milliseconds (used by `parseWindow` and by rule validation, so a
 * rule built by hand obeys the same bounds) and returns it.
 *
 * @param label how to name the value in the error message
 * @throws Error when the window is not a whole, positive number of milliseconds up to 24 hours
 */
export function checkWindowMs(windowMs: number, label = String(windowMs)): number {
  if (!Number.isFinite(windowMs) || windowMs <= 0) {
    throw new Error(`Invalid rate-limit window ${label}: it must be longer than zero`);
  }
  // Redis PEXPIRE takes whole milliseconds; rounding silently would change the policy.
  if (!Number.isInteger(windowMs)) {
    throw new Error(`Invalid rate-limit window ${label}: it must be a whole number of milliseconds`);
  }
  if (windowMs > MAX_WINDOW_MS) {
    throw new Error(`Invalid rate-limit window ${label}: it must not be longer than 24h`);
  }
  return windowMs;
}
