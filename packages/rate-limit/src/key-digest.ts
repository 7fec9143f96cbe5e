import { createHash } from 'node:crypto';

/**
 * A part of a counter key that a client chooses (an argument's value), as a fixed-length digest
 * (SHA-256, base64url): a key as long as a request body, kept for its window, would let a client
 * fill the store's memory. Equal parts give equal digests.
 */
export function keyDigest(part: string): string {
  return createHash('sha256').update(part).digest('base64url');
}
