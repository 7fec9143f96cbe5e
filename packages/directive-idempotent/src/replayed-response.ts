/**
 * Whether a response is a replay as a whole, for an `Idempotent-Replayed: true` header: that header
 * tells a client that nothing ran again, so it belongs only on an answer whose every root field
 * (`__typename` runs nothing) was replayed. `replayed` holds the response keys `markReplayed` was
 * told of; `data` is the response's. A document whose other fields ran (a second keyed mutation
 * with a new key, a field without a key, a field that failed) is not a replay: say which fields
 * were, per response key, instead.
 */
export function isWholeReplay(data: Readonly<Record<string, unknown>> | null | undefined, replayed: ReadonlyArray<string> | ReadonlySet<string>): boolean {
  if (!data) return false;
  const replayedKeys = new Set(replayed);
  const fields = Object.keys(data).filter((responseKey) => responseKey !== '__typename');
  return fields.length > 0 && fields.every((responseKey) => replayedKeys.has(responseKey));
}
