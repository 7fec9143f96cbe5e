/**
 * Byte helpers that run unchanged in Node 20 and browsers: no `Buffer`, only `TextEncoder`,
 * `atob` and `btoa`, which both platforms ship as globals.
 */

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Standard base64 (with padding) of bytes, as RFC 9421 and RFC 9530 byte sequences use. */
export function toBase64(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = '';
  // Chunked so a large body never hits the argument-count limit of String.fromCharCode.
  for (let i = 0; i < view.length; i += 0x8000) binary += String.fromCharCode(...view.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * Decodes standard or URL-safe base64 (padding optional). Throws a TypeError naming `what` on
 * anything else, so a pasted key with a stray character fails loudly instead of signing garbage.
 */
export function fromBase64(text: string, what = 'value'): Uint8Array {
  const compact = text.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
    throw new TypeError(`${what} is not base64`);
  }
  const padded = compact.padEnd(Math.ceil(compact.length / 4) * 4, '=');
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * A copy backed by a plain ArrayBuffer. WebCrypto's `BufferSource` typing (TS 5.9 DOM lib)
 * refuses views over a possibly shared buffer, and a copy also detaches us from caller mutation.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(new ArrayBuffer(bytes.length));
  copy.set(bytes);
  return copy;
}
