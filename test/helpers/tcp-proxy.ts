import { connect, createServer, type Server, type Socket } from 'node:net';

/** A loopback TCP proxy a test can cut (every connection dropped, new ones refused) and restore. */
export interface TcpProxy {
  readonly port: number;
  /** Destroys every proxied connection and stops listening: connects are refused until `restore`. */
  cut(): Promise<void>;
  /** Listens again on the same port (no-op while listening). */
  restore(): Promise<void>;
  /**
   * Stops forwarding on the connections open now, without closing them: what a NAT or a load
   * balancer that dropped a connection silently looks like to both ends.
   */
  silence(): void;
  /**
   * The next chunk a client sends that contains `marker` (e.g. a COMMIT's text) still reaches the
   * server, then the client's side is closed at once: the server acts on it, the client never
   * hears back. The server's side is closed a second later.
   */
  cutAfterClientSends(marker: string): void;
  /**
   * Connections made from now on go to `target` (a DNS name moved to another host: a managed
   * Redis's primary endpoint after a failover); those open now stay where they are.
   */
  retarget(target: { host: string; port: number }): void;
  /** Connections proxied so far. */
  connections(): number;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (ephemeral port) to `target`, e.g. PostgreSQL on 127.0.0.1:5432. */
export async function startTcpProxy(initialTarget: { host: string; port: number }): Promise<TcpProxy> {
  let target = initialTarget;
  const open = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
  let total = 0;
  let armed: Buffer | null = null;
  const onConnection = (client: Socket) => {
    total += 1;
    const upstream = connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
      pairs.delete(pair);
    };
    let cutting = false;
    client.on('error', drop).on('close', () => (cutting ? setTimeout(drop, 1_000) : drop()));
    upstream.on('error', drop).on('close', drop);
    client.on('data', (chunk: Buffer) => {
      if (armed === null || !chunk.includes(armed)) return;
      armed = null;
      cutting = true;
      upstream.write(chunk, () => {
        upstream.unpipe(client);
        client.destroy();
      });
    });
    client.on('data', (chunk: Buffer) => {
      if (!cutting) upstream.write(chunk);
    });
    upstream.pipe(client);
  };
  let server: Server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const cut = async () => {
    const closed = new Promise((resolve) => server.close(resolve));
    for (const socket of open) socket.destroy();
    open.clear();
    await closed;
  };
  return {
    port,
    cut,
    async restore() {
      if (server.listening) return;
      server = createServer(onConnection);
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    },
    silence() {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    cutAfterClientSends(marker) {
      armed = Buffer.from(marker);
    },
    retarget(next) {
      target = next;
    },
    connections: () => total,
    close: async () => {
      if (server.listening) await cut();
    },
  };
}
