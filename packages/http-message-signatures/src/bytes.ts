/**
 * Byte helpers that run unchanged in Node and browsers: no `Buffer`, only `TextEncoder`, `atob`
 * and `btoa`, which both platforms ship as globals.
 */

const encoder = new TextEncoder();

/** UTF-8 bytes of a string; bytes are returned as they are. */
export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

/** Number of UTF-8 bytes of a string, without encoding it (a lone surrogate counts as U+FFFD: 3). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair: one code point above U+FFFF
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Standard base64 (with padding) of bytes, as RFC 8941 byte sequences use. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  // Chunked so a large input never hits the argument-count limit of String.fromCharCode.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * True when `a` and `b` hold the same bytes. Time depends only on the lengths, never on where
 * the first difference is (a length difference is not secret: digests and MACs have fixed sizes).
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}

/**
 * A copy backed by a plain ArrayBuffer. WebCrypto's `BufferSource` typing (TS 5.9 DOM lib) and
 * the structured-field serializer refuse views over a possibly shared or pooled buffer.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(new ArrayBuffer(bytes.length));
  copy.set(bytes);
  return copy;
}
