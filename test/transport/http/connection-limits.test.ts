import { connect, type Socket } from 'node:net';
import { createMetrics, type SignetMetrics } from '../../../src/metrics';
import type { ConnectionLimits } from '../../../src/transport/http/connection-limits';
import { eventually } from '../../helpers/eventually';
import { perTestHttpServers } from '../../helpers/http-server';
import { captureLogger } from '../../helpers/logger';

/** A raw client connection and what became of its first request. */
interface Attempt { readonly socket: Socket; readonly outcome: 'answered' | 'closed' }

/**
 * Opens a connection from `localAddress` (any of 127.0.0.0/8 reaches the server on Linux) and
 * sends `GET /healthz`: 'answered' once the response head arrives (the connection stays open,
 * keep-alive), 'closed' when the server closes it without a byte. Fails if neither happens.
 */
function attempt(port: number, localAddress: string): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress }, () => {
      socket.write('GET /healthz HTTP/1.1\r\nHost: signet.test\r\n\r\n');
    });
    let text = '';
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer and no close from ${localAddress}; received: ${text.slice(0, 100)}`));
    }, 10_000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (!text.includes('\r\n\r\n')) return;
      clearTimeout(giveUp);
      expect(text.startsWith('HTTP/1.1 200')).toBe(true);
      resolve({ socket, outcome: 'answered' });
    });
    // A connection destroyed by the server may reach the client as a reset.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve({ socket, outcome: 'closed' });
    });
  });
}

/** `signet_connections_refused_total` by its `cap` label. */
async function refusedByCap(metrics: SignetMetrics): Promise<Record<string, number>> {
  return Object.fromEntries((await metrics.connectionsRefused.get()).values.map((v) => [String(v.labels.cap), v.value]));
}

describe('connections open at once are capped per address and in all', () => {
  const servers = perTestHttpServers();
  const { sockets } = servers;

  async function start(connectionLimits: ConnectionLimits, logger = captureLogger().logger, metrics?: SignetMetrics): Promise<number> {
    return (await servers.start({ logger, connectionLimits, metrics })).port;
  }

  async function open(port: number, from: string): Promise<Attempt['outcome']> {
    const result = await attempt(port, from);
    sockets.push(result.socket);
    return result.outcome;
  }

  test('an address at its cap has its next connection closed at once; other addresses still connect', async () => {
    const { logger, lines } = captureLogger();
    const metrics = createMetrics();
    const port = await start({ perAddress: 3, total: 100 }, logger, metrics);
    for (let i = 0; i < 3; i += 1) expect(await open(port, '127.0.0.1')).toBe('answered');
    expect(await open(port, '127.0.0.1')).toBe('closed');
    expect(await open(port, '127.0.0.1')).toBe('closed');
    expect(await open(port, '127.0.0.2')).toBe('answered');
    // The first refusal of the address is logged, not every one; every one is counted.
    expect(lines().filter((l) => l.event === 'connections_refused')).toEqual([expect.objectContaining({ cap: 'per-address', peer: '127.0.0.1', max: 3 })]);
    expect(await refusedByCap(metrics)).toEqual({ 'per-address': 2 });
  });

  test('a connection that closes frees its place for the same address', async () => {
    const port = await start({ perAddress: 2, total: 100 });
    const first = await attempt(port, '127.0.0.3');
    sockets.push(first.socket);
    expect(first.outcome).toBe('answered');
    expect(await open(port, '127.0.0.3')).toBe('answered');
    expect(await open(port, '127.0.0.3')).toBe('closed');
    first.socket.destroy();
    // The server sees the close on its own schedule: try until its place is free again.
    await eventually(async () => {
      if ((await open(port, '127.0.0.3')) !== 'answered') throw new Error('still at the cap');
    }, 5_000);
  });

  // A newcomer from an address holding fewer takes an idle connection's place instead: connection-limits-eviction.test.ts.
  test('past the total cap a new connection is closed when no address holds more than its own', async () => {
    const { logger, lines } = captureLogger();
    const metrics = createMetrics();
    const port = await start({ perAddress: 10, total: 3 }, logger, metrics);
    expect(await open(port, '127.0.0.4')).toBe('answered');
    expect(await open(port, '127.0.0.5')).toBe('answered');
    expect(await open(port, '127.0.0.6')).toBe('answered');
    expect(await open(port, '127.0.0.5')).toBe('closed');
    expect(await open(port, '127.0.0.4')).toBe('closed');
    // Logged at most once a minute, counted each time.
    expect(lines().filter((l) => l.event === 'connections_refused')).toEqual([expect.objectContaining({ cap: 'total', max: 3 })]);
    expect(await refusedByCap(metrics)).toEqual({ total: 2 });
  });

  test('with no per-address cap one address may open up to the total', async () => {
    const port = await start({ perAddress: null, total: 4 });
    for (let i = 0; i < 4; i += 1) expect(await open(port, '127.0.0.8')).toBe('answered');
    expect(await open(port, '127.0.0.8')).toBe('closed');
  });
});
