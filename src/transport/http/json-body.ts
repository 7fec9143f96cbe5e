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
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return new RequestBodyRefused(415, `Unsupported charset "${charset.slice(0, 32)}": JSON is sent as UTF-8 (RFC 8259); send the body in UTF-8, with charset=utf-8 or no charset. Nothing was run.`);
  }
  if (!isUtf8(body)) return new RequestBodyRefused(400, 'The request body is not valid UTF-8: JSON is sent as UTF-8 (RFC 8259). Nothing was run.');
  return null;
}

/** The `charset` parameter of a media type, lower-cased and unquoted; undefined when it has none. */
function charsetOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  for (const parameter of contentType.split(';').slice(1)) {
    const separator = parameter.indexOf('=');
    if (separator === -1 || parameter.slice(0, separator).trim().toLowerCase() !== 'charset') continue;
    return parameter.slice(separator + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  }
  return undefined;
}
