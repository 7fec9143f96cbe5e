import type { IdempotencyRecordStore } from './idempotency-record-store';

/** Removes expired durable idempotency records in small batches, so the table stays bounded. */
export interface RecordPurger {
  /** One purge pass: batches until nothing expired is left (or `maxBatches`); returns rows removed. */
  runOnce(): Promise<number>;
  /** Stops the timer; resolves once a pass under way (one at most) has ended, so the database can close after it. */
  stop(): Promise<void>;
}

/** How long a pass that stopped at its batch cap waits before the next pass, instead of the interval. */
export const PURGE_BACKLOG_DELAY_MS = 1_000;

/**
 * Starts a timer (unref'd: it never keeps the process alive) that purges expired records every
 * `intervalMs`. Records past their retention are already ignored by `find`; purging only
 * reclaims space. Several instances purging at once is safe (SKIP LOCKED, re-checked expiry).
 * A pass stops after `maxBatches` full batches (20,000 rows by default) so it never holds the
 * database long; when it stopped there, with more left, the next pass comes `backlogDelayMs`
 * later rather than a whole interval later: at one pass a minute, a server writing more than
 * 333 keyed mutations a second left more expired rows each minute than it removed, and the table
 * grew for as long as that rate lasted (long-run review).
 */
export function startRecordPurger(options: {
  records: IdempotencyRecordStore; now: () => number; intervalMs?: number; batchSize?: number; maxBatches?: number; backlogDelayMs?: number; onError?: (error: unknown) => void;
}): RecordPurger {
  const batchSize = options.batchSize ?? 1_000;
  const maxBatches = options.maxBatches ?? 20;
  const backlogDelayMs = options.backlogDelayMs ?? PURGE_BACKLOG_DELAY_MS;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  let backlog: ReturnType<typeof setTimeout> | undefined;
  const runOnce = async () => {
    if (running || stopped) return 0;
    let removed = 0;
    let capped = false;
    let done!: () => void;
    running = new Promise<void>((resolve) => { done = resolve; });
    try {
      for (let i = 0; i < maxBatches; i += 1) {
        const n = await options.records.purgeExpired(new Date(options.now()), batchSize);
        removed += n;
        if (n < batchSize) break;
        capped = i === maxBatches - 1;
      }
    } finally {
      running = undefined;
      done();
    }
    if (capped && !stopped && backlog === undefined) {
      backlog = setTimeout(() => {
        backlog = undefined;
        void runOnce().catch((error) => options.onError?.(error));
      }, backlogDelayMs);
      backlog.unref();
    }
    return removed;
  };
  const timer = setInterval(() => void runOnce().catch((error) => options.onError?.(error)), options.intervalMs ?? 60_000);
  timer.unref();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (backlog !== undefined) clearTimeout(backlog);
      backlog = undefined;
      await running;
    },
  };
}
