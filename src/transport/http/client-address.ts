import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TrustProxy } from '../../network-config';
import { ErrorCode } from '../../errors';
import { sendError } from './http-errors';
import { canonicalAddress, clientOf, createAddressMatcher } from './ip-ranges';

declare module 'fastify' {
  interface FastifyRequest {
    /** The client's canonical IP address (see client-address.ts); use it, never `request.ip`. */
    clientIp: string;
    /** What per-client limits count against: the IPv4 address or the client's IPv6 network. */
    clientLimitKey: string;
  }
}

/** How the client address is found and grouped. */
export interface ClientAddressOptions {
  /** Which X-Forwarded-For entries to trust (SIGNET_TRUST_PROXY). */
  readonly trustProxy: TrustProxy;
  /** IPv6 limit subjects are networks of this many bits (SIGNET_IPV6_LIMIT_PREFIX). */
  readonly ipv6LimitPrefix: number;
}

/** Defaults: no proxy trusted; IPv6 clients limited per /64. */
export const CLIENT_ADDRESS_DEFAULTS: ClientAddressOptions = Object.freeze({ trustProxy: Object.freeze({ kind: 'none' as const }), ipv6LimitPrefix: 64 });

/**
 * Fastify's `trustProxy` for a rule. @fastify/proxy-addr walks X-Forwarded-For from the right,
 * skipping the socket peer and each entry this function trusts, and stops at the first one it
 * does not: the right-most untrusted entry. A hop count is a function because Fastify 5.12 turns
 * a number into "trust nothing"; a range list is matched on canonical addresses, so a proxy
 * seen as `::ffff:10.0.0.1` on a dual-stack socket is in `10.0.0.0/8`.
 */
export function fastifyTrustProxy(rule: TrustProxy): false | ((address: string, hop: number) => boolean) {
  if (rule.kind === 'none') return false;
  if (rule.kind === 'hops') {
    const hops = rule.hops;
    return (_address, hop) => hop < hops;
  }
  const trusted = createAddressMatcher(rule.ranges);
  return (address) => trusted(address);
}

/** Longest path and Host a request log line holds, in characters: a client chooses both. */
export const MAX_LOGGED_TARGET_CHARS = 256;

function bounded(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  return text.length > MAX_LOGGED_TARGET_CHARS ? `${text.slice(0, MAX_LOGGED_TARGET_CHARS)}…` : text;
}

/**
 * pino `req` serializer for Fastify's request logs: Fastify's own fields, but the canonical client
 * address instead of `request.ip` (which, behind a proxy, is whatever text the chosen entry holds),
 * and the path (no query string) and Host cut at {@link MAX_LOGGED_TARGET_CHARS}: both are the
 * client's text, up to Node's 16 KiB of headers, on every request, probes and 429s included. The
 * address is canonicalized here too, for a line written before the client-address hook ran.
 */
export function serializeRequestForLog(request: FastifyRequest) {
  const raw = typeof request.ip === 'string' ? request.ip : request.socket?.remoteAddress;
  const url = typeof request.url === 'string' ? request.url : '';
  const q = url.indexOf('?');
  return {
    method: bounded(request.method), path: bounded(q === -1 ? url : url.slice(0, q)), host: bounded(request.host),
    remoteAddress: request.clientIp || canonicalAddress(raw ?? '') || 'invalid', remotePort: request.socket?.remotePort,
  };
}

/**
 * The limit subject of a request whose forwarded address is not an address: one per connecting
 * peer (the proxy that sent it; an IPv6 peer per network, as the per-IP limit counts it), which bounds the work their refusals may cost (the signature
 * retirement's allowance) without letting one peer use up every other peer's.
 */
export function invalidForwardedAddressSource(request: FastifyRequest, ipv6LimitPrefix: number): string {
  return `invalid-forwarded-address:${clientOf(request.socket?.remoteAddress ?? '', ipv6LimitPrefix)?.limitKey ?? 'unknown peer'}`;
}

/**
 * Decorates every request with `clientIp` and `clientLimitKey`, in the first onRequest hook, so
 * limits, guards, logs and GraphQL all see one canonical client. A forwarded "address" that is
 * not one (the trusted hops reached an entry the client wrote, or a proxy's `unknown`) is refused
 * with 400: it would otherwise be a fresh limit subject per string. `onRefused` runs first (the
 * server retires a signed request's signature there: the forwarded header is not signed, so the
 * same bytes with it put right must not run later).
 */
export function registerClientAddress(app: FastifyInstance, options: ClientAddressOptions, onRefused?: (request: FastifyRequest) => Promise<void>): void {
  app.decorateRequest('clientIp', '');
  app.decorateRequest('clientLimitKey', '');
  app.addHook('onRequest', async (request, reply) => {
    const client = clientOf(request.ip ?? '', options.ipv6LimitPrefix);
    if (client === null) {
      request.log.warn({ event: 'client_address_invalid' }, 'forwarded client address is not an IP address; check SIGNET_TRUST_PROXY');
      request.clientLimitKey = invalidForwardedAddressSource(request, options.ipv6LimitPrefix);
      await onRefused?.(request);
      return sendError(reply.header('x-request-id', request.id), ErrorCode.BAD_REQUEST, 'The forwarded client address is not an IP address.');
    }
    request.clientIp = client.address;
    request.clientLimitKey = client.limitKey;
  });
}
