/**
 * Start-up shortcut of the completeness window: a fast-path store that has seen nothing yet
 * beside durable records of which none is live has missed nothing, so it is complete since 0.
 */
import type { IdempotencyRecordStore } from './idempotency-record-store';
import type { IdempotencyStore } from './idempotency-store';

/** What {@link declareCompleteIfNoLiveRecords} did. */
export type CompletenessDeclaration =
  /** The store has no `declareCompleteSince` (e.g. Redis Cluster): its window stands. */
  | 'unsupported'
  /** A durable record is live: the store must read records first for its window, as usual. */
  | 'live-records'
  /** The store now says it is complete since 0: no keyed call pays a record lookup for it. */
  | 'declared'
  /** The store kept its own completeness (a Redis marker already there, a memory store that dropped a live entry). */
  | 'kept';

/**
 * If `store` supports it and `records` holds no record live at `now()`, declares the store
 * complete since 0 (`declareCompleteSince(0)`). Call it once at start-up, before serving; a fresh
 * deployment then skips the retention window in which every keyed call reads the record first.
 *
 * Benign race: a call that claimed before the store lost its data (its claim set the marker, the
 * loss removed it) and commits after this check is missed by both; its retry then finds the store
 * complete, skips the lookup and runs its effect again. That execution cannot commit: the record's
 * primary key makes its `save` conflict, the effect rolls back and the committed record is
 * replayed, the executor's fallback for any loss the store cannot tell. The cost is one wasted
 * execution, never a second commit.
 */
export async function declareCompleteIfNoLiveRecords(
  store: IdempotencyStore,
  records: IdempotencyRecordStore,
  now: () => number,
): Promise<CompletenessDeclaration> {
  if (store.declareCompleteSince === undefined) return 'unsupported';
  if (await records.hasLive(new Date(now()))) return 'live-records';
  return (await store.declareCompleteSince(0)) ? 'declared' : 'kept';
}
