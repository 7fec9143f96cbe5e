/**
 * Fast path of {@link parseSignatureFields}: reads a Signature-Input / Signature pair in one pass
 * when both are already in the exact canonical form the strict parser demands, without building
 * structured-field maps and serializing them back.
 *
 * It only ever answers "accepted, here is the result" or "not recognised" (undefined). Every
 * refusal, and everything unusual, is left to the strict path, so this path cannot refuse what
 * the strict one accepts, nor decide any error. It accepts only strings that the strict path
 * accepts with the same result: for each piece below, the strict path's parser (RFC 8941,
 * `structured-headers`) reads it as that value and its serializer writes it back byte for byte.
 *
 *   Signature-Input  label=("c1" "c2" …);name=value;…   exactly one member, nothing around it
 *     label, name    an sf-key: [a-z*][a-z0-9_.*-]*; names from ALLOWED_SIGNATURE_PARAMETERS, each once
 *     "c"            an sf-string of printable ASCII with no `\` and no `"` (escapes: strict path)
 *                    one space between items, none inside the parentheses' edges, no item parameters
 *     created, expires  an integer without sign or leading zero, at most 15 digits, then `;` or the end
 *     nonce, keyid, alg, tag  sf-strings as above; nonce and keyid also match their patterns
 *   Signature        label=:base64:   the same label; canonical base64 (padded, unused bits zero) of 32 or 64 bytes
 *
 * Cost is linear in the input (already bounded by the size guard): no backtracking regex runs
 * on unbounded input; the two patterns run on at most 128 and 64 characters.
 */
import { ALLOWED_SIGNATURE_PARAMETERS, KEY_ID_PATTERN, MAX_NONCE_LENGTH, NONCE_PATTERN, SIGNATURE_LENGTHS } from './constants';
import type { ParsedSignature } from './parsed-signature';

const VALID_SIGNATURE_LENGTHS = new Set<number>(Object.values(SIGNATURE_LENGTHS));
/** Most digits of an sf-integer (RFC 8941 §3.3.1); the strict parser refuses more. */
const MAX_INTEGER_DIGITS = 15;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;

function isLower(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** End of the sf-key starting at `pos`, or -1 when none starts there. */
function keyEnd(text: string, pos: number): number {
  const first = text.charCodeAt(pos);
  if (!isLower(first) && first !== 0x2a) return -1;
  let i = pos + 1;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // a-z 0-9 _ - . *
    if (!(isLower(c) || isDigit(c) || c === 0x5f || c === 0x2d || c === 0x2e || c === 0x2a)) break;
  }
  return i;
}

/** End (after the closing quote) of an escape-free sf-string starting at `pos`, or -1. */
function stringEnd(text: string, pos: number): number {
  if (text.charCodeAt(pos) !== QUOTE) return -1;
  for (let i = pos + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    // Escapes and anything outside printable ASCII: the strict path decides.
    if (c === BACKSLASH || c < SPACE || c > 0x7e) return -1;
  }
  return -1;
}

/** End of a canonical non-negative sf-integer starting at `pos`, or -1. */
function integerEnd(text: string, pos: number): number {
  let i = pos;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  const digits = i - pos;
  if (digits === 0 || digits > MAX_INTEGER_DIGITS) return -1;
  if (digits > 1 && text.charCodeAt(pos) === 0x30) return -1; // leading zero: not canonical
  return i; // the caller accepts only ';' or the end next, so `1.0` is not read as 1
}

type Parameters = Pick<ParsedSignature, 'created' | 'expires' | 'nonce' | 'keyId' | 'alg' | 'tag'>;

/** Reads `;name=value` parameters from `pos` to the end of `text`, or undefined. */
function readParameters(text: string, pos: number): Parameters | undefined {
  let created: number | undefined;
  let expires: number | undefined;
  let nonce: string | undefined;
  let keyId: string | undefined;
  let alg: string | undefined;
  let tag: string | undefined;
  const seen = new Set<string>();
  let i = pos;
  while (i < text.length) {
    if (text.charCodeAt(i) !== 0x3b) return undefined; // ';'
    const nameEnd = keyEnd(text, i + 1);
    if (nameEnd === -1 || text.charCodeAt(nameEnd) !== 0x3d) return undefined; // '=' (a bare name is a boolean)
    const name = text.slice(i + 1, nameEnd);
    // Unknown names are refused and a repeated one is not canonical: the strict path answers both.
    if (!ALLOWED_SIGNATURE_PARAMETERS.has(name) || seen.has(name)) return undefined;
    seen.add(name);
    if (name === 'created' || name === 'expires') {
      const end = integerEnd(text, nameEnd + 1);
      if (end === -1) return undefined;
      const value = Number(text.slice(nameEnd + 1, end));
      if (name === 'created') created = value;
      else expires = value;
      i = end;
    } else {
      const end = stringEnd(text, nameEnd + 1);
      if (end === -1) return undefined;
      const value = text.slice(nameEnd + 2, end - 1);
      if (name === 'nonce') nonce = value;
      else if (name === 'keyid') keyId = value;
      else if (name === 'alg') alg = value;
      else tag = value;
      i = end;
    }
  }
  if (created === undefined || nonce === undefined || keyId === undefined) return undefined;
  if (nonce.length > MAX_NONCE_LENGTH || !NONCE_PATTERN.test(nonce)) return undefined;
  // A keyid outside its pattern is KEY_INVALID, a refusal: the strict path answers it.
  if (!KEY_ID_PATTERN.test(keyId)) return undefined;
  // The strict path's key order, so both paths build the same object.
  return { created, expires, nonce, keyId, alg, tag };
}

/** The 6-bit value of a base64 character (standard alphabet), or -1. */
function base64Value(c: number): number {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41; // A-Z
  if (isLower(c)) return c - 0x61 + 26;
  if (isDigit(c)) return c - 0x30 + 52;
  if (c === 0x2b) return 62; // +
  if (c === 0x2f) return 63; // /
  return -1;
}

/**
 * Decodes `label=:base64:` when the base64 is the one btoa writes (RFC 4648 §3.5 canonical:
 * padded, unused bits zero) for a valid signature length; what the strict path re-serializes to.
 */
function readSignature(text: string, label: string): Uint8Array | undefined {
  const start = label.length + 2;
  if (!text.startsWith(label) || text.charCodeAt(label.length) !== 0x3d || text.charCodeAt(label.length + 1) !== 0x3a) return undefined;
  if (text.length < start + 1 || text.charCodeAt(text.length - 1) !== 0x3a) return undefined;
  const encoded = text.slice(start, -1);
  // 64 bytes: 86 characters, 4 unused bits, `==`; 32 bytes: 43 characters, 2 unused bits, `=`.
  const padding = encoded.length === 88 ? 2 : encoded.length === 44 ? 1 : -1;
  if (padding === -1) return undefined;
  const dataEnd = encoded.length - padding;
  for (let i = 0; i < dataEnd; i++) if (base64Value(encoded.charCodeAt(i)) === -1) return undefined;
  for (let i = dataEnd; i < encoded.length; i++) if (encoded.charCodeAt(i) !== 0x3d) return undefined;
  const unusedBits = padding === 2 ? 0b1111 : 0b11;
  if ((base64Value(encoded.charCodeAt(dataEnd - 1)) & unusedBits) !== 0) return undefined;
  const binary = atob(encoded); // cannot throw: checked above
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return VALID_SIGNATURE_LENGTHS.has(bytes.length) ? bytes : undefined;
}

/**
 * The parsed pair when both fields are in canonical form and pass every check of the strict
 * path; undefined for anything else, which the caller hands to the strict path. Expects input
 * already under the size guard.
 */
export function parseCanonicalSignatureFields(signatureInput: string, signature: string): ParsedSignature | undefined {
  const labelEnd = keyEnd(signatureInput, 0);
  if (labelEnd === -1 || signatureInput.charCodeAt(labelEnd) !== 0x3d || signatureInput.charCodeAt(labelEnd + 1) !== 0x28) return undefined; // '=('
  const label = signatureInput.slice(0, labelEnd);

  const components: string[] = [];
  let i = labelEnd + 2;
  if (signatureInput.charCodeAt(i) !== 0x29) {
    for (;;) {
      const end = stringEnd(signatureInput, i);
      if (end === -1) return undefined;
      components.push(signatureInput.slice(i + 1, end - 1));
      const next = signatureInput.charCodeAt(end);
      if (next === 0x29) {
        i = end;
        break;
      }
      if (next !== SPACE) return undefined; // exactly one space between items, no item parameters
      i = end + 1;
    }
  }
  const parameters = readParameters(signatureInput, i + 1); // after ')'
  if (parameters === undefined) return undefined;

  const bytes = readSignature(signature, label);
  if (bytes === undefined) return undefined;

  return {
    label,
    components,
    signatureParams: signatureInput.slice(labelEnd + 1),
    ...parameters,
    signature: bytes,
  };
}
