/**
 * Which origin a signed request must name: the scheme clients connect with and the `host[:port]`
 * names they may sign as `@authority`. Configured (SIGNET_PUBLIC_URL, SIGNET_PUBLIC_AUTHORITIES),
 * or derived from the address the server listens on for a server reached directly.
 */
import type { AddressInfo } from 'node:net';
import type { PublicUrl } from '../../config';

const UNSPECIFIED = new Set(['0.0.0.0', '::']);

/** The origin signatures are checked against. */
export interface SigningTarget {
  /** Signed as `@scheme` and in `@target-uri`. */
  readonly scheme: 'http' | 'https';
  /** Accepted `@authority` values, lowercase; the first is the canonical one a refusal names. */
  readonly authorities: readonly string[];
}

/**
 * The target for a server listening at `address`. With a public URL: its scheme and authority,
 * then `extra`. Without: plain http at the address listened on (unless a wildcard), then
 * `localhost:PORT` and `127.0.0.1:PORT` (the names a developer's browser or script uses), then `extra`.
 */
export function signingTargetFor(publicUrl: PublicUrl | null, extra: readonly string[], address: AddressInfo): SigningTarget {
  // A wildcard listen address (0.0.0.0, ::) is no name a client can connect to.
  const listened = UNSPECIFIED.has(address.address) ? [] : [address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`];
  const names = publicUrl ? [publicUrl.authority] : [...listened, `localhost:${address.port}`, `127.0.0.1:${address.port}`];
  const authorities = [...new Set([...names, ...extra].map((name) => name.toLowerCase()))];
  return Object.freeze({ scheme: publicUrl?.scheme ?? 'http', authorities: Object.freeze(authorities) });
}
