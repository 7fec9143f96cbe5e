import type { IdempotencyRecordStore } from './idempotency-record-store';

/** Removes expired durable idempotency records in small batches, so the table stays bounded. */
export interface RecordPurger {
  /** One purge pass: batches until nothing expired is left (or `maxBatches`); returns rows removed. */
  runOnce(): Promise<number>;
  /** Stops the timer. */
  stop(): void;
}

/**
 * Starts a timer (unref'd: it never keeps the process alive) that purges expired records every
 * `intervalMs`. Records past their retention are already ignored by `find`; purging only
 * reclaims space. Several instances purging at once is safe (SKIP LOCKED, re-checked expiry).
 */
export function startRecordPurger(options: {
  records: IdempotencyRecordStore; now: () => number; intervalMs?: number; batchSize?: number; maxBatches?: number; onError?: (error: unknown) => void;
}): RecordPurger {
  const batchSize = options.batchSize ?? 1_000;
  const maxBatches = options.maxBatches ?? 20;
  let running = false;
  const runOnce = async () => {
    if (running) return 0;
    running = true;
    let removed = 0;
    try {
      for (let i = 0; i < maxBatches; i += 1) {
        const n = await options.records.purgeExpired(new Date(options.now()), batchSize);
        removed += n;
        if (n < batchSize) break;
      }
    } finally {
      running = false;
    }
    return removed;
  };
  const timer = setInterval(() => void runOnce().catch((error) => options.onError?.(error)), options.intervalMs ?? 60_000);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}
