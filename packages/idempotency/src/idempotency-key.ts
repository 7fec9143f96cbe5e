/**
 * The client's idempotency key: the `Idempotency-Key` HTTP header
 * (draft-ietf-httpapi-idempotency-key-header: an Item Structured Field whose value is a String)
 * and the rules every key must satisfy, wherever it came from (header or `@idempotent(key:)`).
 */

import { parseItem } from 'structured-headers';

/** Longest accepted key, in characters (all keys are ASCII, so also in bytes). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** Outcome of {@link validateIdempotencyKey}: the key unchanged, or why it was refused. */
export type IdempotencyKeyValidation = { ok: true; key: string } | { ok: false; reason: string };

/**
 * Outcome of {@link parseIdempotencyKeyHeader}. `{ ok: true, key: undefined }` means the header
 * was absent: the request is not keyed, which is not an error at this layer.
 */
export type IdempotencyKeyHeaderResult =
  | { ok: true; key: string }
  | { ok: true; key: undefined }
  | { ok: false; reason: string };

/**
 * Characters of an unquoted key: visible ASCII except `"` (starts an sf-string), `,` (how Node
 * and proxies join a repeated header, so `a, b` is two keys, not one), `;` (starts sf parameters)
 * and `\` (only meaningful inside an sf-string). This covers sf-tokens, UUIDs, ULIDs and base64.
 */
const UNQUOTED_KEY = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+$/;

/**
 * `value` without its leading and trailing SP/HTAB (RFC 9110 §5.5), in one pass from each end.
 * Not `/^[ \t]+|[ \t]+$/g`: that retries `[ \t]+$` from every position of an interior run of
 * whitespace, quadratic in the header's length. Not `trim()`, which strips more than SP/HTAB.
 */
function trimFieldWhitespace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value.charCodeAt(start) === 0x20 || value.charCodeAt(start) === 0x09)) start++;
  while (end > start && (value.charCodeAt(end - 1) === 0x20 || value.charCodeAt(end - 1) === 0x09)) end--;
  return value.slice(start, end);
}

/**
 * Checks a key: 1 to 255 printable ASCII characters (0x20–0x7E).
 *
 * Spaces are allowed inside a key but not at its start or end: many HTTP stacks and client
 * libraries trim header values, so `" k"` and `"k"` could silently become the same key on one
 * path and different keys on another. Refusing them keeps a key's identity unambiguous.
 * Reasons are safe to show to the client (they never echo the key).
 */
export function validateIdempotencyKey(key: string): IdempotencyKeyValidation {
  if (key.length === 0) return { ok: false, reason: 'the idempotency key is empty' };
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    return { ok: false, reason: `the idempotency key is longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters` };
  }
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) {
      return { ok: false, reason: `the idempotency key contains a control character at position ${i}` };
    }
    if (code > 0x7e) return { ok: false, reason: `the idempotency key contains a non-ASCII character at position ${i}` };
  }
  if (key.startsWith(' ') || key.endsWith(' ')) {
    return { ok: false, reason: 'the idempotency key starts or ends with a space' };
  }
  return { ok: true, key };
}

/**
 * Parses the `Idempotency-Key` request header as Node/Fastify expose it.
 *
 * - absent (`undefined` or an empty array) → `{ ok: true, key: undefined }`;
 * - sent more than once (an array of two or more) → refused: which one would be the key?
 * - `"…"` → parsed as an sf-string with `structured-headers` (escapes `\"` and `\\` decoded);
 *   parameters after it are ignored, as RFC 8941 requires for unknown parameters;
 * - anything else → accepted verbatim as an unquoted key if it uses only {@link UNQUOTED_KEY}
 *   characters, because widely deployed clients send bare tokens and UUIDs;
 *
 * and the resulting key must pass {@link validateIdempotencyKey}.
 */
export function parseIdempotencyKeyHeader(value: string | string[] | undefined): IdempotencyKeyHeaderResult {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return { ok: true, key: undefined };
  if (Array.isArray(value)) {
    if (value.length > 1) return { ok: false, reason: 'the Idempotency-Key header was sent more than once' };
    value = value[0];
  }
  // Field values carry no meaningful leading/trailing whitespace (RFC 9110 §5.5); Node already
  // strips it, but a value may also come from elsewhere (tests, a proxy header).
  const field = trimFieldWhitespace(value);
  if (field === '') return { ok: false, reason: 'the Idempotency-Key header is empty' };

  if (field.startsWith('"')) {
    let bare: unknown;
    try {
      [bare] = parseItem(field);
    } catch {
      return { ok: false, reason: 'the Idempotency-Key header is not a valid structured-field string' };
    }
    // An item that starts with DQUOTE can only parse as a String; checked to narrow the type.
    if (typeof bare !== 'string') {
      return { ok: false, reason: 'the Idempotency-Key header is not a valid structured-field string' };
    }
    return validateIdempotencyKey(bare);
  }

  const checked = validateIdempotencyKey(field);
  if (!checked.ok) return checked;
  // Repeated header lines arrive joined with ", ": a comma is either, and neither names one key.
  if (field.includes(',')) return { ok: false, reason: 'the Idempotency-Key header holds a comma: it was sent more than once, or an unquoted key contains one (send such a key as a quoted string)' };
  if (!UNQUOTED_KEY.test(field)) {
    return {
      ok: false,
      reason: 'an unquoted Idempotency-Key may not contain spaces, \'"\', \';\' or \'\\\'; send it as a quoted string',
    };
  }
  return checked;
}
