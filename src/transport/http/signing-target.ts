/**
 * Which origin a signed request must name: the scheme clients connect with and the `host[:port]`
 * names they may sign as `@authority`. Configured (SIGNET_PUBLIC_URL, SIGNET_PUBLIC_AUTHORITIES),
 * or derived from the address the server listens on for a server reached directly.
 */
import type { AddressInfo } from 'node:net';
import { normalizeAuthority } from '@signet/http-message-signatures';
import type { PublicUrl } from '../../config';

const UNSPECIFIED = new Set(['0.0.0.0', '::']);

/** The origin signatures are checked against. */
export interface SigningTarget {
  /** Signed as `@scheme` and in `@target-uri`. */
  readonly scheme: 'http' | 'https';
  /**
   * Accepted `@authority` values, normalized (RFC 9421 §2.2.3: lowercase, no default port for
   * `scheme`); the first is the canonical one a refusal names.
   */
  readonly authorities: readonly string[];
}

/**
 * The target for a server listening at `address`. With a public URL: its scheme and authority,
 * then `extra`. Without: plain http at the address listened on (unless a wildcard), then
 * `localhost:PORT` and `127.0.0.1:PORT` (the names a developer's browser or script uses), then `extra`.
 * Every name is normalized for the scheme: a server on port 80 over http is `localhost`, never `localhost:80`.
 */
export function signingTargetFor(publicUrl: PublicUrl | null, extra: readonly string[], address: AddressInfo): SigningTarget {
  const scheme = publicUrl?.scheme ?? 'http';
  // A wildcard listen address (0.0.0.0, ::) is no name a client can connect to.
  const listened = UNSPECIFIED.has(address.address) ? [] : [address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`];
  const names = publicUrl ? [publicUrl.authority] : [...listened, `localhost:${address.port}`, `127.0.0.1:${address.port}`];
  const authorities = [...new Set([...names, ...extra].map((name) => normalizeAuthority(name, scheme)))];
  return Object.freeze({ scheme, authorities: Object.freeze(authorities) });
}
