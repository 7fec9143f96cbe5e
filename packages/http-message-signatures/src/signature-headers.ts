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

/** Outcome of {@link parseSignatureFields}. */
export type SignatureFieldsParse =
  | { ok: true; signature: ParsedSignature }
  | { ok: false; reason: 'MALFORMED_SIGNATURE' | 'KEY_INVALID'; keyId?: string };

const MALFORMED = { ok: false, reason: 'MALFORMED_SIGNATURE' } as const;
const VALID_SIGNATURE_LENGTHS = new Set<number>(Object.values(SIGNATURE_LENGTHS));

/** True when a field value is over the size guard. Cheap check first: a UTF-16 unit is ≥ 1 byte. */
export function exceedsHeaderLimit(value: string): boolean {
  return value.length > MAX_SIGNATURE_HEADER_BYTES || utf8Length(value) > MAX_SIGNATURE_HEADER_BYTES;
}

/** Parses a field holding exactly one dictionary member in canonical form, or returns undefined. */
function parseSingleMember(fieldValue: string): [string, Item | InnerList] | undefined {
  let dictionary: Dictionary;
  try {
    dictionary = sf.parseDictionary(fieldValue);
  } catch {
    return undefined;
  }
  if (dictionary.size !== 1) return undefined;
  const trimmed = trimFieldWhitespace(fieldValue);
  let canonical: string;
  try {
    canonical = sf.serializeDictionary(dictionary);
  } catch {
    return undefined;
  }
  if (canonical !== trimmed) return undefined;
  const [entry] = dictionary;
  return entry;
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

type ParamsOutcome = Pick<ParsedSignature, 'keyId' | 'nonce' | 'created' | 'expires' | 'alg' | 'tag'> | undefined;

/** Checks the signature parameters' names and types; the keyid's content is checked by the caller. */
function readParameters(params: Parameters): ParamsOutcome {
  let created: number | undefined;
  let expires: number | undefined;
  let nonce: string | undefined;
  let keyId: string | undefined;
  let alg: string | undefined;
  let tag: string | undefined;
  for (const [name, value] of params) {
    if (!ALLOWED_SIGNATURE_PARAMETERS.has(name)) return undefined; // unknown → refuse, never ignore
    if (name === 'created' || name === 'expires') {
      if (!isInteger(value)) return undefined;
      if (name === 'created') created = value;
      else expires = value;
    } else {
      // nonce, keyid, alg and tag are sf-strings (RFC 9421 §2.3); a token or number is malformed.
      if (typeof value !== 'string') return undefined;
      if (name === 'nonce') nonce = value;
      else if (name === 'keyid') keyId = value;
      else if (name === 'alg') alg = value;
      else tag = value;
    }
  }
  if (created === undefined || nonce === undefined || keyId === undefined) return undefined;
  // Length first: a bound that holds before the regex runs.
  if (nonce.length > MAX_NONCE_LENGTH || !NONCE_PATTERN.test(nonce)) return undefined;
  return { created, expires, nonce, keyId, alg, tag };
}

function readComponents(items: Item[]): string[] | undefined {
  const names: string[] = [];
  for (const [value, params] of items) {
    // Component identifiers are sf-strings; parameters (;sf ;key ;req ;bs ;name) are unsupported.
    if (typeof value !== 'string' || params.size !== 0) return undefined;
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
  if (exceedsHeaderLimit(signatureInput) || exceedsHeaderLimit(signature)) return MALFORMED;
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
  if (exceedsHeaderLimit(signatureInput) || exceedsHeaderLimit(signature)) return MALFORMED;
  return parseStrictly(signatureInput, signature);
}

/** Parse, re-serialize, compare: the definition of the canonical-form rule. Input under the size guard. */
function parseStrictly(signatureInput: string, signature: string): SignatureFieldsParse {
  const input = parseSingleMember(signatureInput);
  const sig = parseSingleMember(signature);
  if (input === undefined || sig === undefined) return MALFORMED;
  const [label, inputMember] = input;
  const [sigLabel, sigMember] = sig;
  if (label !== sigLabel) return MALFORMED;

  if (!sf.isInnerList(inputMember)) return MALFORMED;
  const [items, params] = inputMember;
  const components = readComponents(items);
  const parameters = readParameters(params);
  if (components === undefined || parameters === undefined) return MALFORMED;

  if (sf.isInnerList(sigMember)) return MALFORMED;
  const [sigValue, sigParams] = sigMember;
  if (!(sigValue instanceof ArrayBuffer) || sigParams.size !== 0) return MALFORMED;
  const bytes = new Uint8Array(sigValue);
  if (!VALID_SIGNATURE_LENGTHS.has(bytes.length)) return MALFORMED;

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
