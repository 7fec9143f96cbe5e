import { createServer } from 'node:net';

/**
 * A free loopback TCP port: bound, then released, so nothing listens on it. Good for a server the
 * test starts at once, or for a connection that must be refused (a tiny race with other
 * processes is acceptable in tests).
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
