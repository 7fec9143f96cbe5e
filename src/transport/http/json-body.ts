import { isUtf8 } from 'node:buffer';
import { RequestBodyRefused } from './http-errors';

/**
 * Why a JSON request body cannot be read as sent, or null when it can. JSON exchanged between
 * systems is UTF-8 (RFC 8259 §8.1), and the body is parsed, digested and signed as those bytes:
 * a body in another encoding (a client's Latin-1 `json.dumps(…).encode('latin-1')`) would otherwise
 * be decoded with replacement characters and executed with text its sender never wrote, a
 * transfer's memo say. So a `charset` other than UTF-8 is 415 and bytes that are not UTF-8 are 400,
 * before anything runs.
 */
export function jsonBodyRefusal(contentType: string | undefined, body: Buffer): RequestBodyRefused | null {
  const charset = charsetOf(contentType);
  if (charset !== undefined && !UTF8_CHARSETS.has(charset)) {
    return new RequestBodyRefused(415, `Unsupported charset "${charset.slice(0, 32)}": JSON is sent as UTF-8 (RFC 8259); send the body in UTF-8, with charset=utf-8 or no charset. Nothing was run.`);
  }
  if (!isUtf8(body)) return new RequestBodyRefused(400, 'The request body is not valid UTF-8: JSON is sent as UTF-8 (RFC 8259). Nothing was run.');
  return null;
}

/** Charsets whose bytes a UTF-8 body is read as: UTF-8 itself, and ASCII, a subset of it. */
const UTF8_CHARSETS: ReadonlySet<string> = new Set(['utf-8', 'utf8', 'us-ascii']);

/**
 * The `charset` parameter of a media type (RFC 9110 §5.6.6: `;`-separated `name=value`, a value a
 * token or a quoted string), lower-cased and unquoted; undefined when it has none or an empty one.
 * Quoted strings are read whole, so a `;` or `charset=` inside another parameter's quoted value is
 * not taken for one (as Fastify's own parser, which picked this body parser, reads it).
 */
function charsetOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  let at = contentType.indexOf(';');
  let charset: string | undefined;
  while (at !== -1 && at < contentType.length) {
    const equals = contentType.indexOf('=', at + 1);
    if (equals === -1) break;
    const name = contentType.slice(at + 1, equals).trim().toLowerCase();
    let value: string;
    let next: number;
    if (contentType[equals + 1] === '"') {
      // A quoted string: up to the closing quote, backslash escapes taken as the character they quote.
      let end = equals + 2;
      value = '';
      while (end < contentType.length && contentType[end] !== '"') {
        if (contentType[end] === '\\') end += 1;
        value += contentType[end] ?? '';
        end += 1;
      }
      next = contentType.indexOf(';', end);
    } else {
      next = contentType.indexOf(';', equals);
      value = contentType.slice(equals + 1, next === -1 ? undefined : next).trim();
    }
    if (name === 'charset' && charset === undefined) charset = value.toLowerCase();
    at = next;
  }
  return charset === '' ? undefined : charset;
}
