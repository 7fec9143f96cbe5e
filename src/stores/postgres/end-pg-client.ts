import type { Client, Pool } from 'pg';

/** How long a `pg` client's orderly end may take before its socket is dropped. */
const END_GRACE_MS = 2_000;

/**
 * Ends `client` within `graceMs`: asks pg to end (Terminate, then our side of the close), and if
 * the connection has not closed by then, destroys its socket. pg's `end()` resolves only once the
 * socket closes, which needs the server's side of the close too: a PostgreSQL (or pooler, or NAT)
 * that went silent with no statement running would hold it until TCP keepalive gives up (minutes),
 * or for good when a hung peer's TCP stack still acknowledges. (With a statement running, pg
 * destroys the socket itself.) Either way the server's session, and its session locks, end when
 * the server notices.
 */
export async function endPgClient(client: Client, graceMs: number = END_GRACE_MS): Promise<void> {
  // pg's end() only resolves; a rejection here would be a pg change, and the socket is dropped anyway.
  const ended = client.end().then(() => true, () => false);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => { timer = setTimeout(resolve, graceMs, false); });
  try {
    if (await Promise.race([ended, late])) return;
    // Closes the socket at once; pg then emits its 'end' (not an error: the client is ending).
    client.connection.stream.destroy();
    await ended;
  } finally {
    clearTimeout(timer);
  }
}

/** A pool's connections that have not ended yet, kept from their creation (pg-pool keeps none once it let go of them). */
export function trackOpenClients(pool: Pool): ReadonlySet<Client> {
  const open = new Set<Client>();
  pool.on('connect', (client) => {
    open.add(client as Client);
    client.once('end', () => open.delete(client as Client));
  });
  return open;
}

/**
 * Ends `pool` within `graceMs`: pg-pool's `end()` asks its idle connections to end and resolves
 * without waiting for them, so on a PostgreSQL that went silent their sockets stay open (and keep
 * the process alive) until TCP gives up. Those still open after the grace are destroyed.
 */
export async function endPgPool(pool: Pool, open: ReadonlySet<Client>, graceMs: number = END_GRACE_MS): Promise<void> {
  await pool.end();
  if (open.size === 0) return;
  const ended = Promise.all([...open].map((client) => new Promise<void>((resolve) => client.once('end', () => resolve()))));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); });
  try {
    await Promise.race([ended, late]);
    for (const client of open) client.connection.stream.destroy();
  } finally {
    clearTimeout(timer);
  }
}
