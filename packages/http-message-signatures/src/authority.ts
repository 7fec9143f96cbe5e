/**
 * `@authority` normalization (RFC 9421 §2.2.3, after HTTP §4.2.3): the host in lowercase and the
 * scheme's default port left out, so `api.example.com`, `API.example.com:443` (https) and
 * `localhost:80` (http) are the names `api.example.com` and `localhost`. Signers that derive the
 * value from a URL (`new URL(...).host`) already write it this way; the verifier normalizes both
 * its configured names and the received Host before comparing them.
 */

const DEFAULT_PORTS = Object.freeze({ http: 80, https: 443 } as const);

// host (a reg-name/IPv4, or an IP literal in brackets), then `:port` (RFC 3986 allows an empty port).
const WITH_PORT = /^(\[[^\]]*\]|[^:[\]]*):(\d*)$/;

/**
 * The normalized form of `authority` (`host[:port]`) for `scheme`: lowercase, without a port that
 * is the scheme's default (`:80` for http, `:443` for https) or empty. Anything else is returned
 * lowercased as given; whether it is a valid authority is checked where it is used.
 */
export function normalizeAuthority(authority: string, scheme: 'http' | 'https'): string {
  const lower = authority.toLowerCase();
  const match = WITH_PORT.exec(lower);
  if (!match) return lower;
  const [, host, port] = match;
  return port === '' || Number(port) === DEFAULT_PORTS[scheme] ? host : lower;
}
