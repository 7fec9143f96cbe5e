import { isUtf8 } from 'node:buffer';
import { RequestBodyRefused } from './http-errors';

/**
 * Why a JSON request body cannot be read as sent, or null when it can. JSON exchanged between
 * systems is UTF-8 (RFC 8259 §8.1), and the body is parsed, digested and signed as those bytes:
 * a body in another encoding (a client's Latin-1 `json.dumps(…).encode('latin-1')`) would otherwise
 * be decoded with replacement characters and executed with text its sender never wrote, a
 * transfer's memo say. So a `charset` other than UTF-8 (any of them, when several are given), or
 * parameters that cannot be read, are 415, and bytes that are not UTF-8 are 400, before anything runs.
 */
export function jsonBodyRefusal(contentType: string | undefined, body: Buffer): RequestBodyRefused | null {
  const charsets = charsetsOf(contentType);
  if (charsets === 'unreadable') {
    return new RequestBodyRefused(415, 'The Content-Type parameters cannot be read (an unterminated quoted string): send application/json, with charset=utf-8 or no charset. Nothing was run.');
  }
  const foreign = charsets.find((charset) => !UTF8_CHARSETS.has(charset));
  if (foreign !== undefined) {
    return new RequestBodyRefused(415, `Unsupported charset "${foreign.slice(0, 32)}": JSON is sent as UTF-8 (RFC 8259); send the body in UTF-8, with charset=utf-8 or no charset. Nothing was run.`);
  }
  if (!isUtf8(body)) return new RequestBodyRefused(400, 'The request body is not valid UTF-8: JSON is sent as UTF-8 (RFC 8259). Nothing was run.');
  return null;
}

/** Charsets whose bytes a UTF-8 body is read as: UTF-8 itself, and ASCII, a subset of it. */
const UTF8_CHARSETS: ReadonlySet<string> = new Set(['utf-8', 'utf8', 'us-ascii']);

const isWhitespace = (char: string | undefined) => char === ' ' || char === '\t';

/**
 * Every non-empty `charset` parameter of a media type, lower-cased and unquoted, read as RFC 9110
 * §5.6.6 writes parameters: `*( OWS ";" OWS [ name "=" ( token / quoted-string ) ] )`. An empty
 * parameter (`;;`) or one without `=` is skipped without swallowing the next; a quoted string is
 * read whole, escapes included, so a `;` or `charset=` inside it is not a parameter. All of them
 * are returned, since parsers disagree on which of two wins (Fastify keeps the last). An
 * unterminated quoted string makes the parameters unreadable. One pass: linear in the header.
 */
function charsetsOf(contentType: string | undefined): string[] | 'unreadable' {
  const charsets: string[] = [];
  if (contentType === undefined) return charsets;
  const end = contentType.length;
  let at = contentType.indexOf(';');
  while (at !== -1 && at < end) {
    at += 1; // past ';'
    while (isWhitespace(contentType[at])) at += 1;
    const nameStart = at;
    while (at < end && contentType[at] !== '=' && contentType[at] !== ';') at += 1;
    if (at >= end || contentType[at] === ';') continue; // empty, or a name without a value
    const name = contentType.slice(nameStart, at).trim().toLowerCase();
    at += 1; // past '='
    let value = '';
    if (contentType[at] === '"') {
      at += 1;
      while (at < end && contentType[at] !== '"') {
        if (contentType[at] === '\\') at += 1;
        if (at < end) value += contentType[at];
        at += 1;
      }
      if (at >= end) return 'unreadable';
      at += 1; // past the closing quote
      at = contentType.indexOf(';', at);
    } else {
      const next = contentType.indexOf(';', at);
      value = contentType.slice(at, next === -1 ? end : next).trim();
      at = next;
    }
    if (name === 'charset' && value !== '') charsets.push(value.toLowerCase());
  }
  return charsets;
}
