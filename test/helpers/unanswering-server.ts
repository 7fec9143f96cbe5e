import { connect, createServer, type Socket } from 'node:net';

/**
 * A loopback TCP listener that accepts connections and never answers them: a hung PostgreSQL or
 * pooler as its clients see it (the TCP handshake succeeds, no byte ever comes back). Given a
 * target, it forwards to it until `hang()`.
 */
export interface UnansweringServer {
  readonly port: number;
  /** Connections accepted so far, forwarded or not. */
  accepted(): number;
  /** Drops the forwarded connections; from now on every connection is accepted and left unanswered. */
  hang(): void;
  /** Forwards new connections to the target again (the ones left unanswered stay so). */
  answer(): void;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/** Starts an {@link UnansweringServer} on 127.0.0.1 (ephemeral port); hung from the start unless `target` is given. */
export async function startUnansweringServer(target?: { host: string; port: number }): Promise<UnansweringServer> {
  const open = new Set<Socket>();
  const forwarded = new Set<Socket>();
  let accepted = 0;
  let hung = target === undefined;
  const track = (socket: Socket, set: Set<Socket>) => {
    set.add(socket);
    socket.on('error', () => undefined).on('close', () => set.delete(socket));
  };
  const server = createServer((client) => {
    accepted += 1;
    track(client, open);
    if (hung || target === undefined) return; // read nothing, write nothing, close nothing
    const upstream = connect(target.port, target.host);
    track(upstream, open);
    track(client, forwarded);
    track(upstream, forwarded);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    accepted: () => accepted,
    hang() {
      hung = true;
      for (const socket of forwarded) socket.destroy();
    },
    answer() {
      hung = target === undefined;
    },
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of open) socket.destroy();
      await closed;
    },
  };
}
