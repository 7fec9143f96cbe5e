import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { SignetMetrics } from '../../metrics';
import { clientOf } from './ip-ranges';

/** How many connections may be open at once. */
export interface ConnectionLimits {
  /**
   * Per TCP peer, grouped as the per-IP limit groups addresses (IPv4 address, IPv6 /64);
   * null: no per-peer cap. Behind a proxy the peer is the proxy, whatever X-Forwarded-For says.
   */
  readonly perAddress: number | null;
  /** On the whole listener (Node's `server.maxConnections`): what this process's file descriptors can afford. */
  readonly total: number;
}

/**
 * Defaults no real client reaches: a browser opens at most 6 connections to an origin, a trading
 * client's pool a few dozen; 128 leaves room for a NAT that puts a small office behind one IPv4
 * address, or a burst client (100 concurrent calls, as the two-process e2e suite sends). 4096 in
 * all keeps the process far from a typical 20,000+ file limit, with room for its pools.
 */
export const CONNECTION_LIMITS: ConnectionLimits = Object.freeze({ perAddress: 128, total: 4096 });

/** At most one log line a minute about refusals at the total cap (each refusal is a connection from a flood). */
const TOTAL_CAP_LOG_EVERY_MS = 60_000;

/**
 * Caps the connections open at once on `server`. Requests are counted per client (the per-IP
 * limit, which reads X-Forwarded-For per request); connections are counted here, per TCP peer,
 * as the socket is accepted (`connection`) and released as it closes (`close`): an idle
 * keep-alive socket holds a file descriptor as much as a busy one, and the idle timeout never
 * fires on a socket that sends a cheap request now and then. A connection over its peer's cap is
 * closed at once, before its first byte is read. Over the total cap Node closes it before
 * anything else sees it. Each peer's first refusal is logged, then nothing until all its
 * connections are closed; total-cap refusals at most once a minute, with their count. Every
 * refusal is counted in `metrics.connectionsRefused` (by cap), when given: the logs are thinned.
 */
export function limitConnections(
  server: Server,
  limits: ConnectionLimits,
  options: { ipv6LimitPrefix: number; logger: FastifyBaseLogger; metrics?: Pick<SignetMetrics, 'connectionsRefused'> },
): void {
  server.maxConnections = limits.total;
  let dropped = 0;
  let droppedLoggedAt = Number.NEGATIVE_INFINITY;
  server.on('drop', () => {
    options.metrics?.connectionsRefused.inc({ cap: 'total' });
    dropped += 1;
    const now = Date.now();
    if (now - droppedLoggedAt < TOTAL_CAP_LOG_EVERY_MS) return;
    options.logger.warn({ event: 'connections_refused', cap: 'total', max: limits.total, refused: dropped }, `connection refused: ${limits.total} connections open (the total cap)`);
    droppedLoggedAt = now;
    dropped = 0;
  });
  const perAddress = limits.perAddress;
  if (perAddress === null) return;
  const open = new Map<string, { count: number; warned: boolean }>();
  server.on('connection', (socket: Socket) => {
    // A peer already gone has no address; its socket closes by itself.
    const peer = clientOf(socket.remoteAddress ?? '', options.ipv6LimitPrefix);
    if (peer === null) return;
    const entry = open.get(peer.limitKey) ?? { count: 0, warned: false };
    if (entry.count >= perAddress) {
      options.metrics?.connectionsRefused.inc({ cap: 'per-address' });
      if (!entry.warned) {
        entry.warned = true;
        options.logger.warn({ event: 'connections_refused', cap: 'per-address', peer: peer.limitKey, max: perAddress }, `connection refused: ${perAddress} connections already open from ${peer.limitKey}`);
      }
      socket.destroy();
      return;
    }
    entry.count += 1;
    open.set(peer.limitKey, entry);
    socket.once('close', () => {
      entry.count -= 1;
      if (entry.count === 0) open.delete(peer.limitKey);
    });
  });
}
