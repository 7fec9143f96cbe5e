/**
 * RFC 9530 Content-Digest: computing it for signers and checking it against the raw body bytes
 * received. Only sha-256 and sha-512 count; deprecated or unknown algorithms are ignored, and a
 * field that offers none of ours binds nothing, so it is answered like a mismatch.
 */
import { constantTimeEqual, plainBytes, toBytes } from './bytes';
import { andThen, settle, type CryptoProvider, type DigestAlgorithm, type MaybePromise, type SyncCryptoProvider } from './crypto-provider';
import sf, { type Item } from './structured-fields';
import { countTopLevelMembers } from './structured-members';

/**
 * The `Want-Content-Digest` field value (RFC 9530 §4) naming the algorithms a verifier accepts,
 * sha-256 preferred: what to send a client whose `Content-Digest` was refused, so it can tell
 * which algorithms count.
 */
export const WANT_CONTENT_DIGEST = 'sha-256=10, sha-512=5';

function isDigestAlgorithm(name: string): name is DigestAlgorithm {
  return name === 'sha-256' || name === 'sha-512';
}

/**
 * The Content-Digest field value for `body`, e.g. `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:`.
 * Strings are hashed as UTF-8. Synchronous with a synchronous provider.
 */
export function computeContentDigest(crypto: SyncCryptoProvider, body: Uint8Array | string, algorithm?: DigestAlgorithm): string;
export function computeContentDigest(crypto: CryptoProvider, body: Uint8Array | string, algorithm?: DigestAlgorithm): Promise<string>;
export function computeContentDigest(crypto: CryptoProvider, body: Uint8Array | string, algorithm: DigestAlgorithm = 'sha-256'): MaybePromise<string> {
  if (!isDigestAlgorithm(algorithm)) throw new TypeError('unsupported Content-Digest algorithm');
  return settle(crypto, andThen(crypto.digest(algorithm, toBytes(body)), (digest) => {
    // A plain ArrayBuffer-backed copy: the serializer's BufferSource type excludes pooled Buffers.
    const member: Item = [plainBytes(digest), new Map()];
    return sf.serializeDictionary(new Map([[algorithm, member]]));
  }));
}

/**
 * Outcome of {@link checkContentDigest}: `match` when every sha-256/sha-512 member matches the
 * body (and at least one is present), `mismatch` when one differs or none of ours is offered,
 * `malformed` when the field is not a valid dictionary of byte sequences.
 */
export type ContentDigestCheck = 'match' | 'mismatch' | 'malformed';

/** Checks a Content-Digest field value against the raw body bytes, in constant time per digest. */
export async function checkContentDigest(crypto: CryptoProvider, fieldValue: string, body: Uint8Array): Promise<ContentDigestCheck> {
  let members;
  try {
    members = sf.parseDictionary(fieldValue);
  } catch {
    return 'malformed';
  }
  // The parser keeps the last of two equal keys; a repeated algorithm is refused instead of
  // silently checking only one of the two values the client sent.
  if (members.size === 0 || countTopLevelMembers(fieldValue) !== members.size) return 'malformed';

  const offered: Array<[DigestAlgorithm, Uint8Array]> = [];
  for (const [name, member] of members) {
    if (!isDigestAlgorithm(name)) continue; // RFC 9530 §2: unknown algorithms are ignored
    const [value, params] = member;
    if (!(value instanceof ArrayBuffer) || params.size !== 0) return 'malformed';
    offered.push([name, new Uint8Array(value)]);
  }
  if (offered.length === 0) return 'mismatch';
  let allMatch = true;
  for (const [name, received] of offered) {
    // A wrong length is a mismatch, not an error.
    allMatch = constantTimeEqual(received, await crypto.digest(name, body)) && allMatch;
  }
  return allMatch ? 'match' : 'mismatch';
}
