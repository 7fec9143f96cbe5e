/**
 * RFC 9421 §2.5 signature base construction. Pure string work with no Node-only APIs, so the SDK
 * and the playground can build exactly the bytes the server verifies.
 *
 * Only the subset of the RFC we support is accepted: field components without parameters and the
 * derived components in {@link SUPPORTED_DERIVED_COMPONENTS}. Anything else throws, because a
 * verifier that guesses at an unsupported component could be made to verify something the signer
 * never meant.
 */
import { SUPPORTED_DERIVED_COMPONENTS } from './constants';
import { trimFieldWhitespace } from './field-whitespace';

/** The message a signature base is built from. Derived components never read `headers`. */
export interface SignatureBaseMessage {
  /** Request method as sent (case preserved, RFC 9421 §2.2.1). */
  method: string;
  /** `host[:port]`, lowercased here; the server passes one of its configured public authorities. */
  authority: string;
  /** Raw path as sent, not normalized; an empty path is `/` (RFC 9421 §2.2.6). */
  path: string;
  /** Raw query without `?`; `undefined` when the target has no `?` at all. */
  query?: string;
  /** Scheme for `@scheme` and `@target-uri`; defaults to `https`. */
  scheme?: 'https' | 'http';
  /** Lowercased field names to values; arrays are repeated field lines. */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

// RFC 9110 token characters, lowercase only: component names must be lowercase (RFC 9421 §2.1).
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Visible ASCII with no spaces: what may appear in a request target.
const TARGET_CHARS = /^[\x21-\x7e]*$/;
// A field value line: visible ASCII, space and tab. Excluding CR/LF is what stops a value from
// injecting extra lines into the signature base; non-ASCII would need `;bs`, which we refuse.
const FIELD_VALUE_CHARS = /^[\t\x20-\x7e]*$/;
const AUTHORITY = /^(?:[a-z0-9._~!$&'()*+,;=-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/;
// Field components that would make the signature cover itself.
const SELF_REFERENTIAL = new Set(['signature', 'signature-input']);

/**
 * Why a signature base cannot be built from a request. `detail` says it in words safe to show the
 * request's sender: it names at most a covered component, cut to 40 characters.
 */
export class SignatureBaseError extends Error {
  constructor(readonly detail: string) {
    super(`signature base: ${detail}`);
  }
}

function fail(detail: string): never {
  throw new SignatureBaseError(detail);
}

/** A component's name as a message shows it: quoted, at most 40 characters. */
const shown = (name: string) => `"${name.length > 40 ? `${name.slice(0, 40)}…` : name}"`;

function fieldValue(name: string, headers: SignatureBaseMessage['headers']): string {
  // Own properties only: a covered component named `constructor` must not find Object.prototype.
  const raw = Object.prototype.hasOwnProperty.call(headers, name) ? headers[name] : undefined;
  const lines = raw === undefined ? [] : typeof raw === 'string' ? [raw] : raw;
  if (lines.length === 0) fail(`covered field ${shown(name)} is absent from the request`);
  const values = lines.map((line) => {
    if (typeof line !== 'string' || !FIELD_VALUE_CHARS.test(line)) fail(`field ${shown(name)} has a value that cannot be signed (only visible ASCII, space and tab)`);
    return trimFieldWhitespace(line);
  });
  return values.join(', ');
}

function derivedValue(name: string, message: SignatureBaseMessage): string {
  const path = message.path === '' ? '/' : message.path;
  switch (name) {
    case '@method':
      if (!METHOD.test(message.method)) fail('method is not a token');
      return message.method;
    case '@authority': {
      const authority = message.authority.toLowerCase();
      if (!AUTHORITY.test(authority)) fail('authority is not host[:port]');
      return authority;
    }
    case '@path':
      if (!path.startsWith('/') || !TARGET_CHARS.test(path)) fail('path is not an origin-form path');
      return path;
    case '@query': {
      const query = message.query ?? '';
      if (!TARGET_CHARS.test(query)) fail('query has characters outside visible ASCII');
      return `?${query}`;
    }
    case '@scheme': {
      const scheme = message.scheme ?? 'https';
      if (scheme !== 'https' && scheme !== 'http') fail('scheme must be http or https');
      return scheme;
    }
    case '@target-uri': {
      const query = message.query === undefined ? '' : derivedValue('@query', message);
      return `${derivedValue('@scheme', message)}://${derivedValue('@authority', message)}${derivedValue('@path', message)}${query}`;
    }
    default:
      return fail(`derived component ${shown(name)} is not supported`);
  }
}

/**
 * The value of one covered component: derived components from the message itself, field
 * components per RFC 9421 §2.1 (values trimmed, repeated lines joined with `, `). Throws when
 * the component is unsupported, absent or unrepresentable.
 */
export function componentValue(name: string, message: SignatureBaseMessage): string {
  if (name.startsWith('@')) {
    if (!SUPPORTED_DERIVED_COMPONENTS.has(name)) fail(`derived component ${shown(name)} is not supported (only ${[...SUPPORTED_DERIVED_COMPONENTS].join(', ')})`);
    return derivedValue(name, message);
  }
  if (!FIELD_NAME.test(name)) fail('a covered component name is not a lowercase field name');
  if (SELF_REFERENTIAL.has(name)) fail(`${shown(name)} cannot be a covered component`);
  return fieldValue(name, message.headers);
}

/**
 * Builds the RFC 9421 §2.5 signature base: one `"<name>": <value>` line per covered component,
 * in order, then `"@signature-params": <signatureParams>`, joined by LF with no trailing newline.
 *
 * `signatureParams` must be the serialized inner list (components plus parameters) exactly as it
 * appears in Signature-Input. Throws on duplicate, unsupported or absent components.
 */
export function buildSignatureBase(
  components: readonly string[],
  message: SignatureBaseMessage,
  signatureParams: string,
): string {
  if (!FIELD_VALUE_CHARS.test(signatureParams)) fail('signature params are not ASCII');
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const name of components) {
    if (seen.has(name)) fail(`component ${shown(name)} is covered twice`); // RFC 9421 §2.5 step 2.1
    seen.add(name);
    // Names are restricted to token characters above, so quoting needs no escaping.
    lines.push(`"${name}": ${componentValue(name, message)}`);
  }
  lines.push(`"@signature-params": ${signatureParams}`);
  return lines.join('\n');
}
