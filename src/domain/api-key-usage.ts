import type { UnitOfWork } from './ports';

/** Records when keys were last used without a database write per request. */
export interface KeyUsageRecorder {
  /** Notes a use; cheap and synchronous. */
  record(keyId: string, at: Date): void;
  /** Writes pending uses in one statement. */
  flush(): Promise<void>;
  /** Stops the timer and flushes. */
  close(): Promise<void>;
}

/**
 * Batches `lastUsedAt` updates: uses are kept in memory (latest per key) and written every
 * `intervalMs` in one UPDATE. A crash loses at most one interval of last-use times, never more.
 */
export function createKeyUsageRecorder(options: { uow: UnitOfWork; intervalMs?: number; onError?: (error: unknown) => void }): KeyUsageRecorder {
  let pending = new Map<string, Date>();
  const flush = async () => {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    try {
      await options.uow.repo.touchApiKeys(batch);
    } catch (error) {
      // Keep the newer of the failed batch and uses recorded since, to try again next time.
      for (const [id, at] of batch) if (!pending.has(id) || (pending.get(id) as Date) < at) pending.set(id, at);
      options.onError?.(error);
    }
  };
  const timer = setInterval(() => void flush(), options.intervalMs ?? 5_000);
  timer.unref();
  return {
    record(keyId, at) {
      const previous = pending.get(keyId);
      if (!previous || previous < at) pending.set(keyId, at);
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
