/**
 * RFC 9530 Content-Digest: computing it for signers and checking it against the raw body bytes
 * received. Only sha-256 and sha-512 count; deprecated or unknown algorithms are ignored, and a
 * field that offers none of ours binds nothing, so it is answered like a mismatch.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import sf, { type Item } from './structured-fields';
import { countTopLevelMembers } from './structured-members';
import type { DigestAlgorithm } from './types';

const NODE_HASH: Readonly<Record<DigestAlgorithm, string>> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };

function isDigestAlgorithm(name: string): name is DigestAlgorithm {
  return name === 'sha-256' || name === 'sha-512';
}

function digest(body: Uint8Array | string, algorithm: DigestAlgorithm): Buffer {
  return createHash(NODE_HASH[algorithm]).update(body).digest();
}

/**
 * The Content-Digest field value for `body`, e.g. `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:`.
 * Strings are hashed as UTF-8.
 */
export function computeContentDigest(body: Buffer | Uint8Array | string, algorithm: DigestAlgorithm = 'sha-256'): string {
  if (!isDigestAlgorithm(algorithm)) throw new TypeError('unsupported Content-Digest algorithm');
  // Copy into a plain ArrayBuffer-backed view: the serializer's BufferSource type excludes pooled Buffers.
  const member: Item = [new Uint8Array(digest(body, algorithm)), new Map()];
  return sf.serializeDictionary(new Map([[algorithm, member]]));
}

/**
 * Outcome of {@link checkContentDigest}: `match` when every sha-256/sha-512 member matches the
 * body (and at least one is present), `mismatch` when one differs or none of ours is offered,
 * `malformed` when the field is not a valid dictionary of byte sequences.
 */
export type ContentDigestCheck = 'match' | 'mismatch' | 'malformed';

/** Checks a Content-Digest field value against the raw body bytes, in constant time per digest. */
export function checkContentDigest(fieldValue: string, body: Uint8Array): ContentDigestCheck {
  let members;
  try {
    members = sf.parseDictionary(fieldValue);
  } catch {
    return 'malformed';
  }
  // The parser keeps the last of two equal keys; a repeated algorithm is refused instead of
  // silently checking only one of the two values the client sent.
  if (members.size === 0 || countTopLevelMembers(fieldValue) !== members.size) return 'malformed';

  let checked = 0;
  let allMatch = true;
  for (const [name, member] of members) {
    if (!isDigestAlgorithm(name)) continue; // RFC 9530 §2: unknown algorithms are ignored
    const [value, params] = member;
    if (!(value instanceof ArrayBuffer) || params.size !== 0) return 'malformed';
    const received = Buffer.from(value);
    const expected = digest(body, name);
    // timingSafeEqual needs equal lengths; a wrong length is a mismatch, not an error.
    const same = received.length === expected.length && timingSafeEqual(received, expected);
    allMatch = allMatch && same;
    checked += 1;
  }
  if (checked === 0) return 'mismatch';
  return allMatch ? 'match' : 'mismatch';
}
