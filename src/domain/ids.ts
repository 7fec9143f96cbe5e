/**
 * The one parser of ids clients send. Account, order and transfer ids are UUIDs, which RFC 9562
 * says compare case-insensitively; PostgreSQL's `uuid` type agrees, so an upper-case id used to
 * find the row while string comparisons in code (the self-transfer check) saw a different
 * account. Every id is therefore canonicalised here, once, before anything compares or stores
 * it: lower case, or null when it is not an id at all (callers answer "not found").
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** API key ids: `key_` and 24 lower-case hex digits (see `newKeyId`). */
const KEY_ID = /^key_[0-9a-f]{24}$/i;

/** The canonical (lower-case) form of an account, order or transfer id; null when `text` is not a UUID. */
export function canonicalUuid(text: string): string | null {
  return UUID.test(text) ? text.toLowerCase() : null;
}

/**
 * The canonical form of an API key id given as an argument (revokeApiKey, the CLI); null when it is
 * not one. A signature's `keyid` is not parsed here: it must be the id exactly as issued, since it
 * is covered by the signature and keys the nonce and rate-limit namespaces.
 */
export function canonicalKeyId(text: string): string | null {
  return KEY_ID.test(text) ? text.toLowerCase() : null;
}

/**
 * The form of an `ID` argument that the services act on: a UUID or an API key id in lower case,
 * anything else as it is (the services answer "not found" for it). Two ids with the same form
 * name the same thing, so an idempotent retry that writes one in another case is the same call.
 */
export function canonicalIdArgument(text: string): string {
  return canonicalUuid(text) ?? canonicalKeyId(text) ?? text;
}
