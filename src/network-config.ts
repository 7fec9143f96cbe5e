/**
 * The network section of the config: which proxies may name the client address, how client
 * addresses group into limit subjects, how many connections may be open, and where /metrics is served. Parsed with the rest of the
 * environment in `parseConfig` (only `main.ts` reads the environment).
 */
import { isIP } from 'node:net';
import { parseRangeList } from './transport/http/ip-ranges';
import { CONNECTION_LIMITS, type ConnectionLimits } from './transport/http/connection-limits';

/**
 * Which `X-Forwarded-For` entries are trusted. The client address is the right-most entry not
 * added by a trusted proxy: never the left-most, which the client writes itself.
 */
export type TrustProxy =
  /** Ignore X-Forwarded-For: the client is the TCP peer. */
  | { readonly kind: 'none' }
  /** Trust this many proxies in front of Signet, whoever they are (the listener must be reachable only through them). */
  | { readonly kind: 'hops'; readonly hops: number }
  /** Trust proxies whose address lies in one of these ranges (addresses, CIDRs, `loopback`, `linklocal`, `uniquelocal`). */
  | { readonly kind: 'ranges'; readonly ranges: readonly string[] };

/** Where the operator listener binds. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** Where GET /metrics is served. */
export interface MetricsExposure {
  /** A separate listener serving only /metrics (`SIGNET_METRICS_LISTEN`, `host:port`). Null: none. */
  readonly listen: ListenAddress | null;
  /**
   * Client address ranges that may GET /metrics on the public port (`SIGNET_METRICS_ALLOW`, a list
   * or `none`); others get 404. Defaults to none with NODE_ENV=production, `loopback` otherwise.
   */
  readonly allow: readonly string[];
}

/** The network fields of SignetConfig. */
export interface NetworkConfig {
  /** `SIGNET_TRUST_PROXY`: a hop count (`1`) or proxy ranges (`10.0.0.0/8,127.0.0.1`). Defaults to none. */
  readonly trustProxy: TrustProxy;
  /** IPv6 clients share per-client limits per network of this many bits (`SIGNET_IPV6_LIMIT_PREFIX`, 32-128). Defaults to 64. */
  readonly ipv6LimitPrefix: number;
  /** `SIGNET_METRICS_LISTEN` and `SIGNET_METRICS_ALLOW`. */
  readonly metrics: MetricsExposure;
  /**
   * Connections open at once (`SIGNET_MAX_CONNECTIONS_PER_ADDRESS`: a number or `none`; `SIGNET_MAX_CONNECTIONS`).
   * Defaults to 128 per TCP peer (none with SIGNET_TRUST_PROXY: the peer is then the proxy) and 4096 in all.
   */
  readonly connectionLimits: ConnectionLimits;
  /**
   * Seconds a stopping server keeps serving before it closes (`SIGNET_DRAIN_SECONDS`, 0-300):
   * `/readyz` answers 503 and each answer closes its connection, so a load balancer or proxy
   * moves its traffic elsewhere while requests are still answered. Defaults to 0 (close at once).
   */
  readonly drainSeconds: number;
}

/** The longest SIGNET_DRAIN_SECONDS: an orchestrator's stop timeout must cover it and the grace. */
export const MAX_DRAIN_SECONDS = 300;

/** More proxies than this in one chain is a typo, not a deployment. */
const MAX_HOPS = 10;

const TRUST_PROXY_FORMS = 'the number of proxies in front of Signet (e.g. 1) or their addresses/CIDRs (e.g. 10.0.0.0/8,127.0.0.1)';

function parseTrustProxy(value: string | undefined, problems: string[]): TrustProxy {
  if (value === undefined || /^(|0|false|off|no|none)$/i.test(value.trim())) return { kind: 'none' };
  const text = value.trim();
  if (/^(true|on|yes)$/i.test(text)) {
    // The old boolean trusted every hop, so the client-written left-most entry became the address.
    problems.push(`SIGNET_TRUST_PROXY=${text} is refused: it trusted the client-written left-most X-Forwarded-For entry. Set ${TRUST_PROXY_FORMS}`);
    return { kind: 'none' };
  }
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > MAX_HOPS) problems.push(`SIGNET_TRUST_PROXY must be a hop count from 0 to ${MAX_HOPS}, or proxy addresses/CIDRs`);
    return hops > MAX_HOPS ? { kind: 'none' } : { kind: 'hops', hops };
  }
  const { entries, invalid } = parseRangeList(text);
  if (invalid.length > 0 || entries.length === 0) {
    const named = invalid.length > 0 ? `; not an address or CIDR: ${invalid.map((e) => `"${e.slice(0, 45)}"`).join(', ')}` : '';
    problems.push(`SIGNET_TRUST_PROXY must be ${TRUST_PROXY_FORMS}${named}`);
    return { kind: 'none' };
  }
  return { kind: 'ranges', ranges: Object.freeze(entries) };
}

const LISTEN = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]{1,253}):(\d{1,5})$/;

/** A host name as `listen` takes it (RFC 1123 labels). */
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/**
 * A name whose last label is a number. No host name has one (RFC 1123 §2.1: the highest-level label
 * is alphabetic), so it is meant as an IPv4 address, and one `isIP` refused: getaddrinfo then fails
 * at `listen`, after the stores are open (`256.1.1.1`), or reads an old shorthand (`10.1` is 10.0.0.1).
 */
const NUMERIC_LAST_LABEL = /(?:^|\.)(?:\d+|0x[0-9a-f]*)\.?$/i;

/**
 * Why `host` cannot be listened on ('' when it is a host name that merely looks odd, with the
 * reason to add after the value), or null when it can: an IP address (no brackets) or a host name
 * that does not end in a number. HOST and SIGNET_METRICS_LISTEN's host follow this one rule.
 */
export function listenHostProblem(host: string): string | null {
  if (isIP(host) !== 0) return null;
  if (!HOSTNAME.test(host)) return '';
  return NUMERIC_LAST_LABEL.test(host) ? ': not an IPv4 address, and a host name does not end in a number' : null;
}

function parseListen(value: string | undefined, port: number, problems: string[]): ListenAddress | null {
  if (value === undefined || value === '') return null;
  const match = LISTEN.exec(value.trim());
  const listenPort = Number(match?.[2]);
  if (!match || listenPort > 65535) {
    problems.push('SIGNET_METRICS_LISTEN must be host:port, e.g. 127.0.0.1:9464 or [::1]:9464');
    return null;
  }
  const host = match[1].replace(/^\[|\]$/g, '');
  const hostProblem = listenHostProblem(host);
  if (hostProblem !== null) {
    problems.push(`SIGNET_METRICS_LISTEN's host must be an IP address or a host name, e.g. 127.0.0.1:9464 or [::1]:9464 (got "${host.slice(0, 40)}"${hostProblem})`);
    return null;
  }
  if (listenPort !== 0 && listenPort === port) problems.push('SIGNET_METRICS_LISTEN must use another port than PORT (it is a separate listener)');
  return Object.freeze({ host, port: listenPort });
}

function parseAllow(value: string | undefined, production: boolean, problems: string[]): readonly string[] {
  if (value === undefined || value.trim() === '') return Object.freeze(production ? [] : ['loopback']);
  if (value.trim().toLowerCase() === 'none') return Object.freeze([]);
  const { entries, invalid } = parseRangeList(value);
  if (invalid.length > 0) {
    problems.push(`SIGNET_METRICS_ALLOW must be "none" or addresses/CIDRs (e.g. 10.0.0.0/8,loopback); not an address or CIDR: ${invalid.map((e) => `"${e.slice(0, 45)}"`).join(', ')}`);
    return Object.freeze([]);
  }
  return Object.freeze(entries);
}

/** Largest connection cap accepted: more is a typo (and more than a process's file descriptors). */
const MAX_CONNECTIONS = 1_000_000;

/** A connection cap from `text` (a whole number from 1 to MAX_CONNECTIONS), or null after reporting it. */
function parseConnectionCap(name: string, text: string, forms: string, problems: string[]): number | null {
  const cap = Number(text);
  if (/^\d{1,7}$/.test(text) && cap >= 1 && cap <= MAX_CONNECTIONS) return cap;
  problems.push(`${name} must be ${forms} (got "${text.slice(0, 20)}")`);
  return null;
}

/**
 * SIGNET_MAX_CONNECTIONS_PER_ADDRESS and SIGNET_MAX_CONNECTIONS. The per-address cap counts the
 * TCP peer: behind a trusted proxy every connection is the proxy's, so it is off by default there
 * (the proxy may open more than any one client, and the total cap still holds); set it anyway to
 * bound each proxy, above its upstream connections.
 */
function parseConnectionLimits(env: Readonly<Record<string, string | undefined>>, trustProxy: TrustProxy, problems: string[]): ConnectionLimits {
  let perAddress = trustProxy.kind === 'none' ? CONNECTION_LIMITS.perAddress : null;
  const perAddressText = env.SIGNET_MAX_CONNECTIONS_PER_ADDRESS?.trim();
  if (perAddressText) {
    perAddress = perAddressText.toLowerCase() === 'none'
      ? null
      : parseConnectionCap('SIGNET_MAX_CONNECTIONS_PER_ADDRESS', perAddressText, `a whole number from 1 to ${MAX_CONNECTIONS}, or none`, problems) ?? perAddress;
  }
  let total = CONNECTION_LIMITS.total;
  const totalText = env.SIGNET_MAX_CONNECTIONS?.trim();
  if (totalText) total = parseConnectionCap('SIGNET_MAX_CONNECTIONS', totalText, `a whole number from 1 to ${MAX_CONNECTIONS}`, problems) ?? total;
  return Object.freeze({ perAddress, total });
}

/**
 * Parses SIGNET_TRUST_PROXY, SIGNET_IPV6_LIMIT_PREFIX, SIGNET_MAX_CONNECTIONS_PER_ADDRESS,
 * SIGNET_MAX_CONNECTIONS, SIGNET_METRICS_LISTEN, SIGNET_METRICS_ALLOW and SIGNET_DRAIN_SECONDS, one problem per bad variable.
 */
export function parseNetworkConfig(
  env: Readonly<Record<string, string | undefined>>, context: { production: boolean; port: number }, problems: string[],
): NetworkConfig {
  const trustProxy = parseTrustProxy(env.SIGNET_TRUST_PROXY, problems);
  let ipv6LimitPrefix = 64;
  const prefixText = env.SIGNET_IPV6_LIMIT_PREFIX;
  if (prefixText) {
    const bits = Number(prefixText);
    if (!/^\d{1,3}$/.test(prefixText) || bits < 32 || bits > 128) problems.push('SIGNET_IPV6_LIMIT_PREFIX must be a prefix length from 32 to 128 (64: one subscriber network)');
    else ipv6LimitPrefix = bits;
  }
  const metrics = Object.freeze({
    listen: parseListen(env.SIGNET_METRICS_LISTEN, context.port, problems),
    allow: parseAllow(env.SIGNET_METRICS_ALLOW, context.production, problems),
  });
  const connectionLimits = parseConnectionLimits(env, trustProxy, problems);
  let drainSeconds = 0;
  const drainText = env.SIGNET_DRAIN_SECONDS;
  if (drainText) {
    drainSeconds = Number(drainText);
    if (!/^\d{1,3}$/.test(drainText) || drainSeconds > MAX_DRAIN_SECONDS) problems.push(`SIGNET_DRAIN_SECONDS must be a whole number of seconds from 0 to ${MAX_DRAIN_SECONDS} (how long a stopping server keeps serving while its readiness says 503)`);
  }
  return { trustProxy: Object.freeze(trustProxy), ipv6LimitPrefix, metrics, connectionLimits, drainSeconds };
}
