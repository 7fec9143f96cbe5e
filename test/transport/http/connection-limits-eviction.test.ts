import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { createMetrics, type SignetMetrics } from '../../../src/metrics';
import { eventually } from '../../helpers/eventually';
import { perTestHttpServers } from '../../helpers/http-server';
import { captureLogger } from '../../helpers/logger';

/** Caps small enough to fill by hand: two addresses fill the listener, 4 + 2. */
const LIMITS = { perAddress: 4, total: 6 };
/** How long any one wait for the server may take before the test fails (it never should). */
const WAIT_MS = 10_000;

/** A GraphQL call whose body the test sends when it chooses. */
const QUERY = JSON.stringify({ query: '{ serverTime }' });

/** A raw keep-alive connection from one loopback address, read one response at a time. */
interface Connection {
  readonly socket: Socket;
  /** Settles once the server has closed the connection. */
  readonly closed: Promise<void>;
  isClosed(): boolean;
  /** The status of the next response (a 100 Continue included), once it is read whole; rejects if the connection closes first. */
  nextStatus(): Promise<number>;
}

/** Connects from `localAddress` (Linux routes all of 127.0.0.0/8 to lo) and reads what comes back, response by response. */
function connectFrom(port: number, localAddress: string, track: Socket[]): Connection {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  track.push(socket);
  socket.setEncoding('latin1');
  let buffered = '';
  let isClosed = false;
  let wake: () => void = () => undefined;
  // A connection closed by the server may reach the client as a reset.
  socket.on('error', () => undefined);
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    wake();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => {
    isClosed = true;
    resolve();
    wake();
  }));
  /** One whole response off the front of the buffer, or null while it is still arriving. */
  const take = (): number | null => {
    const headEnd = buffered.indexOf('\r\n\r\n');
    if (headEnd === -1) return null;
    const head = buffered.slice(0, headEnd);
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
    const length = status < 200 ? 0 : Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (buffered.length < headEnd + 4 + length) return null;
    buffered = buffered.slice(headEnd + 4 + length);
    return status;
  };
  const nextStatus = () => new Promise<number>((resolve, reject) => {
    let timedOut = false;
    const giveUp = setTimeout(() => {
      timedOut = true;
      settle();
    }, WAIT_MS);
    const settle = () => {
      const status = take();
      if (status !== null) resolve(status);
      else if (isClosed) reject(new Error(`closed by the server before a response from ${localAddress}`));
      else if (timedOut) reject(new Error(`no response from ${localAddress} in ${WAIT_MS} ms; received: ${buffered.slice(0, 100)}`));
      else return;
      clearTimeout(giveUp);
      wake = () => undefined;
    };
    wake = settle;
    settle();
  });
  return { socket, closed, isClosed: () => isClosed, nextStatus };
}

/** Which of `connections` the server has closed so far, by position. */
function closedAmong(connections: Connection[]): number[] {
  return connections.flatMap((connection, i) => (connection.isClosed() ? [i] : []));
}

/** Waits until the server closes one of `connections`, whichever; fails after WAIT_MS if it closes none. */
function oneClosed(connections: Connection[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const giveUp = setTimeout(() => reject(new Error(`none of ${connections.length} connections was closed`)), WAIT_MS);
    for (const connection of connections) {
      void connection.closed.then(() => {
        clearTimeout(giveUp);
        resolve();
      });
    }
  });
}

describe('at the total connection cap a newcomer takes an idle connection\'s place from the address holding the most', () => {
  const servers = perTestHttpServers();
  const { sockets } = servers;
  afterEach(() => serverSockets.clear());

  /** The server's side of each connection, by the client's port: what it has read. */
  const serverSockets = new Map<number, Socket>();

  async function start(logger: Logger, metrics: SignetMetrics): Promise<number> {
    const { app, port } = await servers.start({ logger, connectionLimits: LIMITS, metrics });
    app.server.on('connection', (socket: Socket) => serverSockets.set(socket.remotePort ?? 0, socket));
    return port;
  }

  /** A connection answered once (GET /healthz) and left open with nothing in flight, or 'closed' if the server closed it instead. */
  async function idle(port: number, from: string): Promise<Connection | 'closed'> {
    const connection = connectFrom(port, from, sockets);
    connection.socket.write('GET /healthz HTTP/1.1\r\nHost: signet.test\r\n\r\n');
    try {
      expect(await connection.nextStatus()).toBe(200);
      return connection;
    } catch (error) {
      if (connection.isClosed()) return 'closed';
      throw error;
    }
  }

  /** An idle connection from `from`; fails if the server closes it instead. */
  async function idleOpen(port: number, from: string): Promise<Connection> {
    const connection = await idle(port, from);
    if (connection === 'closed') throw new Error(`the server closed the connection from ${from} instead of answering it`);
    return connection;
  }

  /** What became of a new connection from `from`: answered (and left open) or closed by the server. */
  async function outcome(port: number, from: string): Promise<'answered' | 'closed'> {
    return (await idle(port, from)) === 'closed' ? 'closed' : 'answered';
  }

  /**
   * A connection with a request in flight: its head sent, its body held back until `finish`.
   * Node writes "100 Continue" as it hands the request to the app, so once the 100 is read the
   * server has the request in hand.
   */
  async function busy(port: number, from: string): Promise<Connection & { finish(): Promise<number> }> {
    const connection = connectFrom(port, from, sockets);
    connection.socket.write([
      'POST /graphql HTTP/1.1', 'Host: signet.test', 'Content-Type: application/json', 'Accept: application/json',
      `Content-Length: ${Buffer.byteLength(QUERY)}`, 'Expect: 100-continue', '', '',
    ].join('\r\n'));
    expect(await connection.nextStatus()).toBe(100);
    return {
      ...connection,
      finish: () => {
        connection.socket.write(QUERY);
        return connection.nextStatus();
      },
    };
  }

  /** `count` connections from `from`, one after the other: each is open before the next connects. */
  async function fill<C extends Connection>(port: number, open: (port: number, from: string) => Promise<C>, from: string, count: number): Promise<C[]> {
    const connections: C[] = [];
    for (let i = 0; i < count; i += 1) connections.push(await open(port, from));
    return connections;
  }

  /** Connections evicted, and refused by cap, as the metrics count them. */
  async function counted(metrics: SignetMetrics): Promise<{ evicted: number; refused: Record<string, number> }> {
    const evicted = (await metrics.connectionsEvicted.get()).values.reduce((sum, v) => sum + v.value, 0);
    const refused = Object.fromEntries((await metrics.connectionsRefused.get()).values.map((v) => [String(v.labels.cap), v.value]));
    return { evicted, refused };
  }

  /** Every connection still open answers one more request on it: none was closed, whatever the client has seen yet. */
  async function stillServed(connections: Connection[]): Promise<void> {
    for (const connection of connections) {
      connection.socket.write('GET /healthz HTTP/1.1\r\nHost: signet.test\r\n\r\n');
      expect(await connection.nextStatus()).toBe(200);
    }
  }

  test('a third address is served when two addresses hold every slot idle, and the heavier one loses an idle connection', async () => {
    const { logger, lines } = captureLogger();
    const metrics = createMetrics();
    const port = await start(logger, metrics);
    const heavy = await fill(port, idleOpen, '127.0.0.2', 4);
    const light = await fill(port, idleOpen, '127.0.0.3', 2);

    const newcomer = await idleOpen(port, '127.0.0.4');

    const held = [...heavy, ...light];
    await oneClosed(held);
    // The longest idle of the heavier address goes.
    expect(closedAmong(held)).toEqual([0]);
    await stillServed([...held.slice(1), newcomer]);
    expect(await counted(metrics)).toEqual({ evicted: 1, refused: {} });
    expect(lines().filter((l) => l.event === 'connections_evicted')).toEqual([expect.objectContaining({ max: 6, evicted: 1 })]);
    expect(lines().filter((l) => l.event === 'connections_refused')).toEqual([]);
  });

  test('a connection with a request in flight is never the one closed: the idle one of a lighter address is, and then the newcomer is refused', async () => {
    const metrics = createMetrics();
    const port = await start(captureLogger().logger, metrics);
    const working = await fill(port, busy, '127.0.0.5', 4);
    const light = await fill(port, idleOpen, '127.0.0.6', 2);

    const newcomer = await idleOpen(port, '127.0.0.7');
    const held = [...working, ...light];
    await oneClosed(held);
    // 127.0.0.5 holds more, but each of its connections has a request in flight.
    expect(closedAmong(held)).toEqual([4]);
    // Now 127.0.0.6 holds no more than 127.0.0.7, and 127.0.0.5 has nothing idle.
    expect(await outcome(port, '127.0.0.7')).toBe('closed');

    // Every request in flight was left alone: each gets its answer.
    for (const connection of working) expect(await connection.finish()).toBe(200);
    await stillServed([light[1], newcomer]);
    expect(await counted(metrics)).toEqual({ evicted: 1, refused: { total: 1 } });
  });

  test('when every connection has a request in flight, a newcomer is refused as before and nothing else is closed', async () => {
    const { logger, lines } = captureLogger();
    const metrics = createMetrics();
    const port = await start(logger, metrics);
    const working = [...await fill(port, busy, '127.0.0.8', 4), ...await fill(port, busy, '127.0.0.9', 2)];

    expect(await outcome(port, '127.0.0.10')).toBe('closed');
    expect(await outcome(port, '127.0.0.9')).toBe('closed');

    for (const connection of working) expect(await connection.finish()).toBe(200);
    expect(await counted(metrics)).toEqual({ evicted: 0, refused: { total: 2 } });
    expect(lines().filter((l) => l.event === 'connections_refused')).toEqual([expect.objectContaining({ cap: 'total', max: 6 })]);
  });

  test('a connection whose next request is still arriving is passed over for one that is quiet', async () => {
    const metrics = createMetrics();
    const port = await start(captureLogger().logger, metrics);
    const heavy = await fill(port, idleOpen, '127.0.0.11', 4);
    const light = await fill(port, idleOpen, '127.0.0.12', 2);
    // The longest idle starts its next request: half a head, which the server reads but cannot dispatch yet.
    const arriving = heavy[0];
    const server = serverSockets.get(arriving.socket.localPort ?? -1);
    if (!server) throw new Error('the server side of the connection was not seen');
    const readBefore = server.bytesRead;
    arriving.socket.write('GET /healthz HTTP/1.1\r\n');
    await eventually(async () => {
      if (server.bytesRead === readBefore) throw new Error('the server has not read the half head yet');
    }, WAIT_MS, 10);

    const newcomer = await idleOpen(port, '127.0.0.13');
    const held = [...heavy, ...light];
    await oneClosed(held);
    expect(closedAmong(held)).toEqual([1]);
    arriving.socket.write('Host: signet.test\r\n\r\n');
    expect(await arriving.nextStatus()).toBe(200);
    await stillServed([...held.slice(2), newcomer]);
    expect(await counted(metrics)).toEqual({ evicted: 1, refused: {} });
  });
});
