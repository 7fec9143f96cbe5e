/**
 * Redis connections of a server: a standalone server or a cluster, failing fast. A command waits
 * at most 2 s and nothing queues while disconnected; once a command went unanswered that long, the
 * connection's commands are refused at once until Redis answers a probe, so a hung Redis (the
 * process stopped, its connections open) costs the one request that found it out, not every
 * request after it; a wrong password or database stops start-up; a connection to a primary
 * demoted to a replica is made again.
 */
import type { Logger } from 'pino';
import Redis, { Cluster, Command } from 'ioredis';
import type { RedisClusterTarget } from '../../config';

/**
 * A failover that demotes the primary (REPLICAOF, a managed Redis's Multi-AZ failover) leaves its
 * connections open, and every script that writes is refused READONLY from then on: the connection
 * is made again instead, which behind a name that now points at the new primary (a managed
 * Redis's primary endpoint) reaches it. 1: reconnect without resending the refused command: its
 * request is answered 503 (retryable) at once. Resending (2) would send it again after each
 * reconnect, and on a Redis that stays a replica (the URL names the demoted host itself) hold the
 * request until its timeout. Only READONLY: this runs on every error reply.
 */
export function reconnectOnReadonly(error: Error): 1 | false {
  return error.message.startsWith('READONLY') ? 1 : false;
}

/** The least time between two reconnections for READONLY of one connection. */
export const READONLY_RECONNECT_EVERY_MS = 1_000;

/**
 * {@link reconnectOnReadonly} for one connection, at most once every READONLY_RECONNECT_EVERY_MS:
 * on a host that stays a replica, every refused script would otherwise reconnect at once (ioredis's
 * backoff starts again at each `ready`), each one emptying the key caches (`onReset`). In between,
 * the requests are answered 503, as for the refused one.
 */
export function readonlyReconnector(now: () => number = () => performance.now()): (error: Error) => 1 | false {
  let last = Number.NEGATIVE_INFINITY;
  return (error) => {
    if (reconnectOnReadonly(error) === false || now() - last < READONLY_RECONNECT_EVERY_MS) return false;
    last = now();
    return 1;
  };
}

/** Fail-fast options of every Redis connection (standalone, or each node of a cluster). */
const FAIL_FAST = { connectTimeout: 2_000, commandTimeout: 2_000, maxRetriesPerRequest: 1 } as const;

/**
 * A Redis connection that fails fast: a command waits at most 2 s, and nothing queues while
 * disconnected. It waits up to the connect timeout for the connection, so the start-up steps
 * (completeness markers) are not refused for want of an offline queue; a Redis still unreachable
 * then is logged and reported by /readyz, and the client keeps trying.
 */
export async function connectRedis(url: string, logger: Logger): Promise<ConnectedRedis> {
  const redis = new Redis(url, { ...FAIL_FAST, reconnectOnError: readonlyReconnector(), enableOfflineQueue: false, lazyConnect: false });
  refuseWhileUnanswered(redis, logger);
  const database = Number(new URL(url).pathname.slice(1) || 0);
  // ioredis sends SELECT when a connection is ready and, if Redis refuses it (a number past the
  // server's `databases`), only emits an error: the connection stays on database 0.
  let refusedSelect: Error | null = null;
  const refusedCredentials = credentialRefusals(redis);
  redis.on('connect', () => (refusedSelect = null));
  redis.on('error', (err: Error & { command?: { name?: string } }) => {
    if (err.command?.name === 'select') refusedSelect = err;
    logger.warn({ err: { message: err.message } }, 'redis error');
  });
  const assertDatabase = () => {
    if (refusedSelect) throw new Error(`REDIS_URL names database ${database}, which Redis refused (${refusedSelect.message}); nothing runs on database 0 instead`);
  };
  if (await whenReady(redis, FAIL_FAST.connectTimeout)) {
    try {
      // Answered after the SELECT sent on ready, so its refusal is known by then.
      await redis.ping();
      assertDatabase();
    } catch (error) {
      redis.disconnect();
      throw error;
    }
  } else {
    refusedCredentials.stopUnlessFixed();
    logger.warn('redis not ready after 2 s; protected requests fail closed until it is');
  }
  return Object.assign(redis, { assertDatabase });
}

/** ioredis's message for a command that got no answer within `commandTimeout`. */
const COMMAND_TIMED_OUT = 'Command timed out';

/** What a command is refused with while its connection's Redis has not answered. */
export const REDIS_NOT_ANSWERING = 'Redis did not answer a command in time; refused until it answers again';

/** How long after a failed probe the next one is sent. */
const PROBE_INTERVAL_MS = 250;

/** Connections {@link refuseWhileUnanswered} watches already (a cluster's seed nodes may be announced again). */
const watched = new WeakSet<Redis>();

/**
 * Refuses `connection`'s commands at once from the moment one of them times out until Redis
 * answers again. A Redis that is hung (the process stopped, its connections open) or stalled is
 * still "ready" to ioredis, which would write every following command into it, each waiting out
 * the timeout (a signed request makes several in turn: 6 s before its 503). Instead one probe
 * (PING) at a time waits on the connection; its answer (Redis resumed, or the connection was made
 * again and passed its ready check) lets commands through again. The refused commands were never
 * sent; the timed-out one may still run when Redis resumes, as before: each is safe to run late (a
 * nonce marked used, a lease that expires, a rate-limit hit), and none was answered as executed.
 * Only a ready connection refuses: while it connects, ioredis's own handshake must pass.
 */
function refuseWhileUnanswered(connection: Redis, logger: Logger): void {
  if (watched.has(connection)) return;
  watched.add(connection);
  const send = connection.sendCommand.bind(connection);
  const node = `${connection.options.host}:${connection.options.port}`;
  let unanswered = false;
  const answered = () => {
    if (!unanswered) return;
    unanswered = false;
    logger.warn({ node }, 'redis answers again; protected requests are served');
  };
  const probe = () => {
    if (!unanswered || connection.status === 'end') return;
    (send(new Command('ping', [])) as Promise<unknown>).then(answered, () => setTimeout(probe, PROBE_INTERVAL_MS).unref());
  };
  connection.on('ready', answered);
  connection.sendCommand = (command, stream) => {
    if (unanswered && connection.status === 'ready') {
      command.reject(new Error(REDIS_NOT_ANSWERING));
      return command.promise;
    }
    const answer = send(command, stream) as Promise<unknown>;
    answer.catch((error: unknown) => {
      if (unanswered || !(error instanceof Error) || error.message !== COMMAND_TIMED_OUT) return;
      unanswered = true;
      logger.warn({ node, command: command.name, timeoutMs: FAIL_FAST.commandTimeout }, 'redis did not answer a command in time; protected requests are refused until it answers');
      probe();
    });
    return answer;
  };
}

/** Redis's answers to credentials it refuses (ACL): no retry passes them, only a corrected REDIS_URL does. */
const CREDENTIALS_REFUSED = /^(WRONGPASS|NOAUTH|NOPERM)\b/;

/**
 * Watches `client` for Redis refusing its credentials. `stopUnlessFixed` (for a client not ready in
 * time) throws when the last error was such a refusal: a wrong password is a configuration error
 * that stops start-up, as a refused database number does, not an outage to wait out (the server
 * would otherwise start and answer 503 to every signed request, its readiness failing forever).
 */
function credentialRefusals(client: Redis | Cluster): { stopUnlessFixed(): void } {
  let refused: Error | null = null;
  // The last error decides: a refusal followed by, say, a refused connection is not one any more.
  // A Cluster reports its nodes' errors as 'node error' (its own 'error' says only that the slots
  // could not be refreshed, with the node's error as `lastNodeError`).
  const seen = (err: Error & { lastNodeError?: Error }) => {
    const cause = err.lastNodeError ?? err;
    refused = CREDENTIALS_REFUSED.test(cause.message) ? cause : null;
  };
  client.on('ready', () => (refused = null));
  client.on('error', seen);
  if (client instanceof Cluster) client.on('node error', seen);
  return {
    stopUnlessFixed() {
      if (!refused) return;
      client.disconnect();
      // Redis's message names neither the user nor the password.
      throw new Error(`Redis refused the credentials in REDIS_URL (${refused.message}); set the user and password Redis expects`);
    },
  };
}

/** A Redis client with a check that it uses the database REDIS_URL names (a Cluster has only database 0). */
export type ConnectedRedis = (Redis | Cluster) & { assertDatabase(): void };

/** Resolves true once `client` is ready, or false after `timeoutMs`. */
function whenReady(client: Redis | Cluster, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      client.off('ready', ready);
      resolve(false);
    }, timeoutMs);
    const ready = () => {
      clearTimeout(timer);
      resolve(true);
    };
    client.once('ready', ready);
  });
}

/**
 * A Redis Cluster client with the same fail-fast behaviour as {@link connectRedis}. It waits up to
 * 5 s for the slot map, because without it every command is refused (no offline queue); a cluster
 * still unreachable then is logged and reported by /readyz, and the client keeps trying.
 */
export async function connectRedisCluster(target: RedisClusterTarget, logger: Logger): Promise<ConnectedRedis> {
  const cluster = new Cluster(target.nodes.map((n) => ({ host: n.host, port: n.port })), {
    enableOfflineQueue: false, lazyConnect: false, slotsRefreshTimeout: 2_000,
    // Copied into each node's connection: the throttle is shared by the cluster's nodes (one reconnection a second in all).
    redisOptions: { ...FAIL_FAST, reconnectOnError: readonlyReconnector(), username: target.username, password: target.password, ...(target.tls ? { tls: {} } : {}) },
  });
  // Each node is a connection of its own: a hung node's commands are refused, the others serve on.
  // The seed nodes were made in the constructor (before any listener); later ones are announced.
  for (const node of cluster.nodes('all')) refuseWhileUnanswered(node, logger);
  cluster.on('+node', (node: Redis) => refuseWhileUnanswered(node, logger));
  const refusedCredentials = credentialRefusals(cluster);
  cluster.on('error', (err: Error) => logger.warn({ err: { message: err.message } }, 'redis cluster error'));
  if (!(await whenReady(cluster, 5_000))) {
    refusedCredentials.stopUnlessFixed();
    logger.warn({ nodes: target.nodes }, 'redis cluster not ready after 5 s; protected requests fail closed until it is');
  }
  return Object.assign(cluster, { assertDatabase: () => undefined });
}

