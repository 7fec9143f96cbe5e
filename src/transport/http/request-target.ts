/**
 * The parts of a request target a signature covers (`@path`, `@query`) and, for the absolute
 * form, the authority that replaces Host, taken from the target exactly as sent (RFC 9421 §2.2.6:
 * no decoding or normalizing of the path).
 */

/** A request target split for the verifier. */
export interface RequestTargetParts {
  /** The path as sent, without the query; `''` for an absolute form with none (signed as `/`). */
  readonly path: string;
  /** The query without its `?`; `''` when there is none. */
  readonly query: string;
  /** Whether the target had a `?` at all. */
  readonly hasQuery: boolean;
  /**
   * The authority of an absolute-form target (`http://host:port/p`), as sent. RFC 9112 §3.2.2: a
   * server receiving this form ignores Host and uses this authority. Absent for the origin form.
   */
  readonly authority?: string;
}

// RFC 3986 scheme, `://`, the authority up to the path or query.
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)(.*)$/s;

/** Splits the raw request target (Node's `request.url`: the origin or absolute form as received). */
export function requestTargetParts(rawUrl: string): RequestTargetParts {
  const absolute = rawUrl.startsWith('/') ? null : ABSOLUTE_FORM.exec(rawUrl);
  const pathAndQuery = absolute ? absolute[2] : rawUrl;
  const q = pathAndQuery.indexOf('?');
  const parts = { path: q === -1 ? pathAndQuery : pathAndQuery.slice(0, q), query: q === -1 ? '' : pathAndQuery.slice(q + 1), hasQuery: q !== -1 };
  return absolute ? { ...parts, authority: absolute[1] } : parts;
}
