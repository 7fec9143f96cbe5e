import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Retries `probe` until it returns without throwing, or fails with its last error after
 * `timeoutMs`. For recoveries that take a reconnect backoff, never for hiding flakiness.
 */
export async function eventually<T>(probe: () => Promise<T>, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await sleep(intervalMs);
  }
}
