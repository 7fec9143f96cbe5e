import type { IncomingMessage, Server, ServerResponse } from 'node:http';
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
  /** On the whole listener: what this process's file descriptors can afford. */
  readonly total: number;
}

/**
 * Defaults no real client reaches: a browser opens at most 6 connections to an origin, a trading
 * client's pool a few dozen; 128 leaves room for a NAT that puts a small office behind one IPv4
 * address, or a burst client (100 concurrent calls, as the two-process e2e suite sends). 4096 in
 * all keeps the process far from a typical 20,000+ file limit, with room for its pools.
 */
export const CONNECTION_LIMITS: ConnectionLimits = Object.freeze({ perAddress: 128, total: 4096 });

/** At most one log line a minute about the total cap, refusals and evictions each (a flood makes one per connection). */
const TOTAL_CAP_LOG_EVERY_MS = 60_000;

/**
 * Caps the connections open at once on `server`. Requests are counted per client (the per-IP
 * limit, which reads X-Forwarded-For per request); connections are counted here, per TCP peer,
 * as the socket is accepted (`connection`) and released as it closes (`close`): an idle
 * keep-alive socket holds a file descriptor as much as a busy one, and the idle timeout never
 * fires on a socket that sends a cheap request now and then. A connection over its peer's cap is
 * closed at once, before its first byte is read.
 *
 * At the total cap a few peers could otherwise hold every slot with idle connections and lock
 * everyone else out, so the newcomer takes a place when it is owed one: if some peer holds more
 * connections than the newcomer's peer, the longest-idle connection of the peer holding the most
 * is closed (evicted) and the newcomer accepted. Only idle connections are evicted, never one
 * with a request in flight or arriving; with none, the newcomer is closed at once (refused).
 *
 * Each peer's first refusal at its cap is logged, then nothing until all its connections are
 * closed; refusals and evictions at the total cap at most once a minute each, with their count.
 * Every one is counted in `metrics` when given: the logs are thinned.
 */
export function limitConnections(
  server: Server,
  limits: ConnectionLimits,
  options: { ipv6LimitPrefix: number; logger: FastifyBaseLogger; metrics?: Pick<SignetMetrics, 'connectionsRefused' | 'connectionsEvicted'> },
): void {
  const { logger, metrics } = options;
  const perAddress = limits.perAddress;
  const table = createConnectionTable();
  const refusedAtTotal = thinned(TOTAL_CAP_LOG_EVERY_MS, (refused) => {
    logger.warn({ event: 'connections_refused', cap: 'total', max: limits.total, refused }, `connection refused: ${limits.total} connections open (the total cap), none idle from a peer holding more than its own`);
  });
  const evictedAtTotal = thinned(TOTAL_CAP_LOG_EVERY_MS, (evicted) => {
    logger.warn({ event: 'connections_evicted', max: limits.total, evicted }, `idle connection closed for a newcomer: ${limits.total} connections open (the total cap)`);
  });
  server.on('connection', (socket: Socket) => {
    // A peer already gone has no address: nothing to serve, nothing to count.
    const client = clientOf(socket.remoteAddress ?? '', options.ipv6LimitPrefix);
    if (client === null) {
      socket.destroy();
      return;
    }
    const peer = table.peer(client.limitKey);
    if (perAddress !== null && peer.count >= perAddress) {
      metrics?.connectionsRefused.inc({ cap: 'per-address' });
      if (!peer.warned) {
        peer.warned = true;
        logger.warn({ event: 'connections_refused', cap: 'per-address', peer: peer.key, max: perAddress }, `connection refused: ${perAddress} connections already open from ${peer.key}`);
      }
      socket.destroy();
      return;
    }
    if (table.size >= limits.total) {
      const evictee = table.idlestAbove(peer.count);
      if (evictee === null) {
        metrics?.connectionsRefused.inc({ cap: 'total' });
        refusedAtTotal();
        socket.destroy();
        return;
      }
      // Released before its `close` arrives, so the next connection in this tick sees it gone.
      table.release(evictee);
      evictee.destroy();
      metrics?.connectionsEvicted.inc();
      evictedAtTotal();
    }
    table.open(socket, peer);
    socket.once('close', () => table.release(socket));
  });
  // A response's `close` comes once it is sent whole, or once its connection is gone.
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    if (table.requestStarted(socket)) response.once('close', () => table.requestEnded(socket));
  });
}

/** One TCP peer: an IPv4 address or an IPv6 network. */
interface Peer {
  readonly key: string;
  /** Its connections open (accepted and not yet released). */
  count: number;
  /** Those with no request in flight, longest idle first. */
  readonly idle: Set<Socket>;
  /** Whether its refusal at the per-address cap was logged since it last held no connection. */
  warned: boolean;
}

/** One open connection. */
interface Connection {
  readonly peer: Peer;
  /** Requests dispatched on it whose response has not closed yet (more than one when pipelined). */
  inFlight: number;
  /** `socket.bytesRead` when last seen idle: more bytes since then are a request arriving. */
  quietAt: number;
}

/**
 * The open connections by peer. Peers with an idle connection are indexed by how many they hold,
 * so an eviction looks at a few counts (at most the per-address cap), not at every connection.
 */
function createConnectionTable() {
  const peers = new Map<string, Peer>();
  const connections = new Map<Socket, Connection>();
  const idleByCount = new Map<number, Set<Peer>>();

  /** Applies `change` to `peer`, keeping the index right for its new count and idle set. */
  function update(peer: Peer, change: () => void): void {
    const before = peer.idle.size > 0 ? idleByCount.get(peer.count) : undefined;
    if (before) {
      before.delete(peer);
      if (before.size === 0) idleByCount.delete(peer.count);
    }
    change();
    if (peer.idle.size === 0) return;
    const after = idleByCount.get(peer.count) ?? new Set<Peer>();
    idleByCount.set(peer.count, after.add(peer));
  }

  return {
    /** Connections open in all. */
    get size(): number {
      return connections.size;
    },
    /** The peer named `key`; a fresh one holding nothing when it has no connection open. */
    peer(key: string): Peer {
      return peers.get(key) ?? { key, count: 0, idle: new Set(), warned: false };
    },
    /** Counts `socket` as `peer`'s, idle until its first request. */
    open(socket: Socket, peer: Peer): void {
      peers.set(peer.key, peer);
      connections.set(socket, { peer, inFlight: 0, quietAt: socket.bytesRead });
      update(peer, () => {
        peer.count += 1;
        peer.idle.add(socket);
      });
    },
    /** Stops counting `socket` (closed or evicted); once only. */
    release(socket: Socket): void {
      const connection = connections.get(socket);
      if (!connection) return;
      connections.delete(socket);
      const { peer } = connection;
      update(peer, () => {
        peer.count -= 1;
        peer.idle.delete(socket);
      });
      if (peer.count === 0) peers.delete(peer.key);
    },
    /** Marks a request in flight on `socket`; false when the socket is not counted here. */
    requestStarted(socket: Socket): boolean {
      const connection = connections.get(socket);
      if (!connection) return false;
      connection.inFlight += 1;
      if (connection.inFlight === 1) update(connection.peer, () => connection.peer.idle.delete(socket));
      return true;
    },
    /** Ends one request in flight on `socket`; with none left it is idle again, longest idle last. */
    requestEnded(socket: Socket): void {
      const connection = connections.get(socket);
      if (!connection || connection.inFlight === 0) return;
      connection.inFlight -= 1;
      if (connection.inFlight > 0) return;
      connection.quietAt = socket.bytesRead;
      update(connection.peer, () => connection.peer.idle.add(socket));
    },
    /**
     * The longest-idle connection of the peer holding the most connections, if it holds more
     * than `count`; null when no such peer has one. A connection that read bytes since it was
     * last seen idle has a request arriving (its 'request' comes once its head is whole): it is
     * passed over this time, and seen idle from now on.
     */
    idlestAbove(count: number): Socket | null {
      const counts = [...idleByCount.keys()].filter((held) => held > count).sort((a, b) => b - a);
      for (const held of counts) {
        for (const peer of idleByCount.get(held) ?? []) {
          for (const socket of peer.idle) {
            const connection = connections.get(socket);
            if (!connection) continue;
            const read = socket.bytesRead;
            if (read === connection.quietAt) return socket;
            connection.quietAt = read;
          }
        }
      }
      return null;
    },
  };
}

/** Calls `log` with how many times it was called since it last logged, at once and then at most once every `everyMs`. */
function thinned(everyMs: number, log: (count: number) => void): () => void {
  let count = 0;
  let loggedAt = Number.NEGATIVE_INFINITY;
  return () => {
    count += 1;
    // Monotonic: the wall clock set back would silence the log for as long as the step.
    const now = performance.now();
    if (now - loggedAt < everyMs) return;
    log(count);
    loggedAt = now;
    count = 0;
  };
}
