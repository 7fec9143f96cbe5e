/**
 * Strict parsing of the Signature-Input and Signature fields (RFC 9421 §4) for our profile.
 *
 * Strict means: exactly one member per field, the same label in both, only the parameters we
 * know, each with the type the RFC gives it, and each field written in canonical Structured
 * Field form. The canonical-form rule is what makes several labels, repeated header lines (Node
 * joins them with `, `), repeated parameters and look-alike numbers (`created=01`, `created=1.0`)
 * all fail the same deterministic way; RFC 9421 signers emit the canonical form anyway, because
 * `@signature-params` in the base they sign is that same serialization.
 *
 * Parse-then-reserialize is the definition of that rule and stays the judge; a one-pass reader of
 * the canonical form (canonical-signature-fields.ts) answers first for the fields it recognises,
 * and only with the result this strict path would give (a property test holds both to it).
 */
import {
  ALLOWED_SIGNATURE_PARAMETERS,
  KEY_ID_PATTERN,
  MAX_NONCE_LENGTH,
  MAX_SIGNATURE_HEADER_BYTES,
  NONCE_PATTERN,
  SIGNATURE_LENGTHS,
} from './constants';
import { utf8Length } from './bytes';
import { parseCanonicalSignatureFields } from './canonical-signature-fields';
import { trimFieldWhitespace } from './field-whitespace';
import type { ParsedSignature } from './parsed-signature';
import sf, { type Dictionary, type InnerList, type Item, type Parameters } from './structured-fields';

export type { ParsedSignature } from './parsed-signature';

/**
 * Outcome of {@link parseSignatureFields}. A `MALFORMED_SIGNATURE` carries `detail`: what is wrong
 * with the fields, in words safe to show their sender (it names no key and echoes nothing sent).
 */
export type SignatureFieldsParse =
  | { ok: true; signature: ParsedSignature }
  | { ok: false; reason: 'MALFORMED_SIGNATURE'; detail: string }
  | { ok: false; reason: 'KEY_INVALID'; keyId?: string };

const malformed = (detail: string) => ({ ok: false, reason: 'MALFORMED_SIGNATURE', detail }) as const;
const OVERSIZED = malformed('Signature or Signature-Input is over 4096 bytes');
const VALID_SIGNATURE_LENGTHS = new Set<number>(Object.values(SIGNATURE_LENGTHS));

/** True when a field value is over the size guard. Cheap check first: a UTF-16 unit is ≥ 1 byte. */
export function exceedsHeaderLimit(value: string): boolean {
  return value.length > MAX_SIGNATURE_HEADER_BYTES || utf8Length(value) > MAX_SIGNATURE_HEADER_BYTES;
}

/**
 * What a field with several signatures is told: how many, their labels (RFC 8941 keys, so nothing
 * but `a-z0-9_-.*`; the list cut at 40 characters like any echoed name) and the usual cause, a retry
 * re-signed by an RFC 9421 library that appends its signature to the previous attempt's (§4.3).
 */
function severalSignatures(labels: readonly string[]): string {
  const listed = labels.join(', ');
  return `; it holds ${labels.length} (${listed.length > 40 ? `${listed.slice(0, 40)}…` : listed}): remove the previous attempt's Signature and Signature-Input before signing again`;
}

/** Parses a field holding exactly one dictionary member in canonical form, or says why it does not. */
function parseSingleMember(field: string, fieldValue: string): [string, Item | InnerList] | string {
  let dictionary: Dictionary;
  try {
    dictionary = sf.parseDictionary(fieldValue);
  } catch {
    return `${field} is not an RFC 8941 dictionary`;
  }
  if (dictionary.size !== 1) return `${field} must hold exactly one signature (one label), sent once${dictionary.size > 1 ? severalSignatures([...dictionary.keys()]) : ''}`;
  const trimmed = trimFieldWhitespace(fieldValue);
  let canonical: string;
  try {
    canonical = sf.serializeDictionary(dictionary);
  } catch {
    return `${field} is not an RFC 8941 dictionary`;
  }
  if (canonical !== trimmed) {
    let at = 0;
    while (at < canonical.length && canonical[at] === trimmed[at]) at += 1;
    return `${field} is not in RFC 8941's canonical serialization (it differs from it at character ${at + 1}: spacing, quoting, a parameter's form or base64 padding), the form @signature-params has in the signature base`;
  }
  const [entry] = dictionary;
  return entry;
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The parameters, or what is wrong with them. */
type ParamsOutcome = Pick<ParsedSignature, 'keyId' | 'nonce' | 'created' | 'expires' | 'alg' | 'tag'> | string;

/** Checks the signature parameters' names and types; the keyid's content is checked by the caller. */
function readParameters(params: Parameters): ParamsOutcome {
  let created: number | undefined;
  let expires: number | undefined;
  let nonce: string | undefined;
  let keyId: string | undefined;
  let alg: string | undefined;
  let tag: string | undefined;
  for (const [name, value] of params) {
    // Unknown → refuse, never ignore. The name is the sender's: not echoed.
    if (!ALLOWED_SIGNATURE_PARAMETERS.has(name)) return `a signature parameter is not one of ${[...ALLOWED_SIGNATURE_PARAMETERS].join(', ')}`;
    if (name === 'created' || name === 'expires') {
      if (!isInteger(value)) return `${name} must be a non-negative integer (Unix seconds), unquoted`;
      if (name === 'created') created = value;
      else expires = value;
    } else {
      // nonce, keyid, alg and tag are sf-strings (RFC 9421 §2.3); a token or number is malformed.
      if (typeof value !== 'string') return `${name} must be a quoted string`;
      if (name === 'nonce') nonce = value;
      else if (name === 'keyid') keyId = value;
      else if (name === 'alg') alg = value;
      else tag = value;
    }
  }
  if (created === undefined || nonce === undefined || keyId === undefined) return 'created, nonce and keyid are required';
  // Length first: a bound that holds before the regex runs.
  if (nonce.length > MAX_NONCE_LENGTH || !NONCE_PATTERN.test(nonce)) return 'the nonce must be 16-64 characters of A-Za-z0-9._~+/=-';
  return { created, expires, nonce, keyId, alg, tag };
}

/** The covered components' names, or what is wrong with them. */
function readComponents(items: Item[]): string[] | string {
  const names: string[] = [];
  for (const [value, params] of items) {
    // Component identifiers are sf-strings; parameters (;sf ;key ;req ;bs ;name) are unsupported.
    if (typeof value !== 'string') return 'each covered component must be a quoted string';
    if (params.size !== 0) return 'component parameters (;sf, ;key, ;req, ;bs, ;name) are not supported';
    names.push(value);
  }
  return names;
}

/**
 * Parses a Signature-Input / Signature pair. Enforces the size guard before parsing, then the
 * strict rules above. Never throws: anything unparseable is `MALFORMED_SIGNATURE`; a keyid that is
 * well-typed but outside {@link KEY_ID_PATTERN} is `KEY_INVALID`.
 */
export function parseSignatureFields(signatureInput: string, signature: string): SignatureFieldsParse {
  if (exceedsHeaderLimit(signatureInput) || exceedsHeaderLimit(signature)) return OVERSIZED;
  // Canonical fields (what every RFC 9421 signer writes) in one pass; anything else, strictly.
  const canonical = parseCanonicalSignatureFields(signatureInput, signature);
  if (canonical !== undefined) return { ok: true, signature: canonical };
  return parseStrictly(signatureInput, signature);
}

/**
 * {@link parseSignatureFields} without the fast path: the reference the fast path is tested
 * against, and its fallback. Internal (not exported from the package's index).
 */
export function parseSignatureFieldsStrictly(signatureInput: string, signature: string): SignatureFieldsParse {
  if (exceedsHeaderLimit(signatureInput) || exceedsHeaderLimit(signature)) return OVERSIZED;
  return parseStrictly(signatureInput, signature);
}

/** Parse, re-serialize, compare: the definition of the canonical-form rule. Input under the size guard. */
function parseStrictly(signatureInput: string, signature: string): SignatureFieldsParse {
  const input = parseSingleMember('Signature-Input', signatureInput);
  if (typeof input === 'string') return malformed(input);
  const sig = parseSingleMember('Signature', signature);
  if (typeof sig === 'string') return malformed(sig);
  const [label, inputMember] = input;
  const [sigLabel, sigMember] = sig;
  if (label !== sigLabel) return malformed('Signature and Signature-Input must use the same label');

  if (!sf.isInnerList(inputMember)) return malformed('the Signature-Input member must be an inner list of covered components with parameters');
  const [items, params] = inputMember;
  const components = readComponents(items);
  if (typeof components === 'string') return malformed(components);
  const parameters = readParameters(params);
  if (typeof parameters === 'string') return malformed(parameters);

  if (sf.isInnerList(sigMember)) return malformed('the Signature member must be a byte sequence (:base64:)');
  const [sigValue, sigParams] = sigMember;
  if (!(sigValue instanceof ArrayBuffer) || sigParams.size !== 0) return malformed('the Signature member must be a byte sequence (:base64:) without parameters');
  const bytes = new Uint8Array(sigValue);
  if (!VALID_SIGNATURE_LENGTHS.has(bytes.length)) return malformed('the signature must be 64 bytes (Ed25519) or 32 (HMAC-SHA256)');

  if (!KEY_ID_PATTERN.test(parameters.keyId)) return { ok: false, reason: 'KEY_INVALID' };

  return {
    ok: true,
    signature: {
      label,
      components,
      signatureParams: sf.serializeInnerList(inputMember),
      ...parameters,
      signature: bytes,
    },
  };
}
