/**
 * One hash tag per Redis Cluster slot, so a key can be placed in the same slot as any other key
 * (a script may only touch keys of one slot). Used for per-slot markers such as the nonce
 * store's completeness: a shard that loses its data loses the markers of its own slots with it.
 */
import clusterKeySlot from 'cluster-key-slot';

/** Number of slots in a Redis Cluster. */
export const CLUSTER_SLOTS = 16_384;

let tags: string[] | undefined;

/** Builds the table once: the first decimal string that hashes to each slot (about 170k CRC16s, a few ms). */
function table(): string[] {
  if (tags) return tags;
  const found: string[] = new Array(CLUSTER_SLOTS);
  let missing = CLUSTER_SLOTS;
  for (let i = 0; missing > 0; i += 1) {
    const text = String(i);
    const slot = clusterKeySlot(text);
    if (found[slot] === undefined) {
      found[slot] = text;
      missing -= 1;
    }
  }
  tags = found;
  return tags;
}

/** The Cluster slot of `key` (by its hash tag, if it has one). */
export function slotOfKey(key: string): number {
  return clusterKeySlot(key);
}

/** A hash tag whose keys fall in `slot`. */
export function tagForSlot(slot: number): string {
  if (!Number.isInteger(slot) || slot < 0 || slot >= CLUSTER_SLOTS) throw new RangeError('slot must be an integer in [0, 16383]');
  return table()[slot];
}
