/**
 * Whether a response is a replay as a whole: `Idempotent-Replayed: true` tells a client that
 * nothing ran again, so it is sent only when every root field of the answer was replayed
 * (`extensions.idempotentReplay` names each by response key; `__typename` runs nothing). A document
 * whose other fields ran (a second keyed mutation with a new key, a field without a key) carries
 * the extension alone, naming the fields that replayed.
 */
export function isWholeReplay(data: Record<string, unknown> | null | undefined, replays: unknown): boolean {
  if (!data || typeof replays !== 'object' || replays === null) return false;
  const replayed = replays as Record<string, unknown>;
  const fields = Object.keys(data).filter((responseKey) => responseKey !== '__typename');
  return fields.length > 0 && fields.every((responseKey) => replayed[responseKey] === true);
}
