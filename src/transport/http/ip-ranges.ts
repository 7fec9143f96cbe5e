/**
 * IP addresses as rate limits and allowlists must see them: one canonical text per address, the
 * subject a per-client limit counts against, and address ranges (CIDRs) to match. Pure: no
 * Fastify, no config; used by the client-address hook, the metrics allowlist and config checks.
 */
import { isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Named ranges accepted wherever a range list is (the names @fastify/proxy-addr also knows). */
export const NAMED_RANGES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
});

/** Longer than any textual address (45 characters with an embedded IPv4): refused before parsing. */
const MAX_ADDRESS_LENGTH = 64;

/**
 * Dotted four-part decimal without leading zeros: already the canonical spelling. Octal, hex and
 * integer spellings (which tools read differently) do not match.
 */
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** One parsed range: an address and its prefix length. */
type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Parses `text` strictly as one IP address: IPv4 only in dotted four-part decimal (no octal,
 * hex or integer spellings, which tools read differently), IPv6 in any RFC 4291 form. An
 * IPv4-mapped IPv6 address is its IPv4 address; an IPv6 zone (`%eth0`) is dropped.
 */
function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (text.length === 0 || text.length > MAX_ADDRESS_LENGTH) return null;
  if (IPV4.test(text)) return ipaddr.IPv4.parse(text);
  // Node's native check first: it is ten times cheaper than ipaddr.js's, and this runs per request.
  if (!isIPv6(text)) return null;
  let v6: ipaddr.IPv6;
  try {
    v6 = ipaddr.IPv6.parse(text);
  } catch {
    return null;
  }
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  return new ipaddr.IPv6(v6.parts);
}

/**
 * The canonical text of an IP address (dotted decimal for IPv4, RFC 5952 lower-case compressed
 * IPv6), or null when `text` is not an IP address. Every spelling of one address gives one text.
 */
export function canonicalAddress(text: string): string | null {
  if (IPV4.test(text)) return text;
  return parseAddress(text)?.toString() ?? null;
}

/** A client as limits see it. */
export interface ClientOf {
  /** The canonical address. */
  readonly address: string;
  /** What per-client limits count against: the IPv4 address, or the IPv6 network (`2001:db8:1:2::/64`). */
  readonly limitKey: string;
}

/**
 * The client at `text` (any spelling), or null when it is not an IP address. IPv6 clients are
 * limited per network of `ipv6PrefixLength` bits, since one subscriber usually holds a whole /64
 * and could otherwise rotate through 2^64 addresses. Parses once: it runs on every request.
 */
export function clientOf(text: string, ipv6PrefixLength: number): ClientOf | null {
  if (IPV4.test(text)) return { address: text, limitKey: text };
  const parsed = parseAddress(text);
  if (!parsed) return null;
  const address = parsed.toString();
  if (parsed.kind() === 'ipv4' || ipv6PrefixLength >= 128) return { address, limitKey: address };
  const parts = (parsed as ipaddr.IPv6).parts.map((part, i) => {
    const keep = Math.min(16, Math.max(0, ipv6PrefixLength - 16 * i));
    return part & (0xffff << (16 - keep)) & 0xffff;
  });
  return { address, limitKey: `${new ipaddr.IPv6(parts).toString()}/${ipv6PrefixLength}` };
}

/** Parses one range entry: a name of NAMED_RANGES, an address, or `address/prefix`. Null when invalid. */
function parseRangeEntry(entry: string): Range[] | null {
  const named = Object.hasOwn(NAMED_RANGES, entry) ? NAMED_RANGES[entry] : null;
  if (named) return named.map((cidr) => ipaddr.parseCIDR(cidr));
  const slash = entry.indexOf('/');
  const address = parseAddress(slash === -1 ? entry : entry.slice(0, slash));
  if (!address) return null;
  const maxBits = address.kind() === 'ipv4' ? 32 : 128;
  if (slash === -1) return [[address, maxBits]];
  const bitsText = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return null;
  let bits = Number(bitsText);
  // An IPv4-mapped network (::ffff:10.0.0.0/104) was parsed as its IPv4 address: shift its prefix too.
  if (address.kind() === 'ipv4' && entry.slice(0, slash).includes(':')) bits -= 96;
  if (bits < 0 || bits > maxBits) return null;
  return [[address, bits]];
}

/**
 * Splits a comma-separated range list (`10.0.0.0/8, 127.0.0.1, loopback`) and validates every
 * entry. Returns the entries as written (trimmed) and the ones that are not ranges.
 */
export function parseRangeList(text: string): { entries: string[]; invalid: string[] } {
  const entries = text.split(',').map((e) => e.trim()).filter((e) => e !== '');
  return { entries, invalid: entries.filter((e) => parseRangeEntry(e) === null) };
}

/**
 * A predicate telling whether an address (any spelling) lies in one of `entries`; entries
 * must have passed {@link parseRangeList}. Anything that is not an address matches nothing.
 */
export function createAddressMatcher(entries: readonly string[]): (address: string) => boolean {
  const ranges = entries.flatMap((e) => {
    const parsed = parseRangeEntry(e);
    if (!parsed) throw new TypeError(`not an address range: ${e.slice(0, 64)}`);
    return parsed;
  });
  return (text) => {
    const address = parseAddress(text);
    if (!address) return false;
    return ranges.some(([network, bits]) => network.kind() === address.kind() && address.match(network, bits));
  };
}
