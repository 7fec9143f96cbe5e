/**
 * What Signet checks of the Redis it is given, beyond reaching it: that its user may run every
 * command Signet's scripts run (start-up), that it is a writable master (readiness), and that it
 * keeps keys until they expire (a warning at start-up).
 */
import type { Logger } from 'pino';
import type { Cluster, Redis } from 'ioredis';
import { isClusterClient, luaScript, runLuaScript } from '@signet/redis-scripts';
import { DEFAULT_NONCE_PREFIX } from '@signet/http-message-signatures-redis';

/**
 * The ACL a REDIS_URL user needs, as the start-up refusal and the README name it: every command
 * below, on Signet's keys. `+@all -@dangerous` alone is not enough: INFO is in @dangerous, and
 * every nonce and idempotency script reads the server's `run_id` with it.
 */
export const REDIS_ACL_NEEDED = '~signet:* +@all -@dangerous +info (at least: +eval +evalsha +info +ping +select +get +set +del +exists +pttl +pexpire +incrby +hset +hmget +hdel, and +cluster|slots on a cluster)';

/**
 * Runs, in one script, every command Signet's Lua steps and stores run (plus INFO with each
 * section read: `server` and `stats` by the completeness markers, `replication` by readiness; an
 * ACL may grant INFO by section, `+info|server`), on a scratch key under the nonce prefix that no
 * store uses: written and deleted inside the script, so no other client ever sees it.
 */
const PERMISSION_PROBE = luaScript(`
redis.call('INFO', 'server')
redis.call('INFO', 'stats')
redis.call('INFO', 'replication')
local k = KEYS[1]
redis.call('SET', k, '1', 'PX', 1000)
redis.call('GET', k)
redis.call('EXISTS', k)
redis.call('PTTL', k)
redis.call('PEXPIRE', k, 1000)
redis.call('INCRBY', k, 1)
redis.call('DEL', k)
redis.call('HSET', k, 'f', '1')
redis.call('HMGET', k, 'f')
redis.call('HDEL', k, 'f')
redis.call('DEL', k)
return 1
`);

/** The scratch key of {@link PERMISSION_PROBE} (a hash tag of its own: one slot on a cluster). */
const PROBE_KEY = `${DEFAULT_NONCE_PREFIX}{signet-permission-probe}`;

/**
 * Redis's refusals of a command or key the user's ACL does not grant: `NOPERM …` for a command
 * sent directly (EVAL, EVALSHA, INFO), and, for a command inside a script, `ERR The user executing
 * the script can't run this command …` (Redis 7.0) or `NOPERM …` (7.2 and later).
 */
const PERMISSION_REFUSED = /\bNOPERM\b|user executing the script can't/;

/** Whether `error` is Redis refusing a command or key to this user (ACL): a configuration error, not an outage. */
export function isRedisPermissionRefusal(error: unknown): boolean {
  return error instanceof Error && PERMISSION_REFUSED.test(error.message);
}

/** The start-up error for a user Redis refuses a command Signet needs. */
export class RedisPermissionError extends Error {
  constructor(cause: Error) {
    // Redis's message names the command (or script line), never the user's password.
    super(`Redis refused a command Signet needs to the REDIS_URL user (${cause.message.trim()}); every signed request would fail. Give that user ${REDIS_ACL_NEEDED}`);
    this.name = 'RedisPermissionError';
  }
}

/**
 * Throws {@link RedisPermissionError} when Redis refuses the user a command Signet needs: EVAL
 * (the probe is sent in full), EVALSHA (then by its SHA), or a command inside them. Any other
 * failure (Redis unreachable, a replica, out of memory) is an outage, not a configuration error:
 * it is logged, and readiness and the requests report it.
 */
export async function assertRedisPermissions(redis: Redis | Cluster, logger: Logger): Promise<void> {
  try {
    await redis.eval(PERMISSION_PROBE.source, 1, PROBE_KEY);
    await redis.evalsha(PERMISSION_PROBE.sha, 1, PROBE_KEY);
  } catch (error) {
    if (isRedisPermissionRefusal(error)) throw new RedisPermissionError(error as Error);
    logger.warn({ err: { message: (error as Error).message } }, 'redis permissions not checked at start-up (Redis did not run the probe script); protected requests fail closed until it does');
  }
}

/** The Redis servers that take writes: the one of a standalone client, each master of a cluster. */
function mastersOf(redis: Redis | Cluster): Redis[] {
  return isClusterClient(redis) ? (redis as Cluster).nodes('master') : [redis as Redis];
}

/** The replication role of the Redis that runs it: INFO inside a script, as Signet's scripts run it. */
const ROLE_PROBE = luaScript(`return string.match(redis.call('INFO', 'replication'), 'role:(%a+)')`);

/**
 * The readiness of Redis: each master the client writes to runs a script that reads its role, so a
 * user refused EVAL, EVALSHA or INFO (every signed request would fail) reads as unavailable, and so
 * does a node demoted to a replica in a failover (every script that writes would fail READONLY).
 * Read-only and one round trip per master. A standalone connection found on a replica is made
 * again (`onReplica`): behind a name that moved to the new primary (a managed Redis's endpoint) the
 * new connection reaches it, even while no request comes to fail READONLY (a load balancer took the
 * instance out because this check failed).
 */
export async function checkRedisReadiness(redis: Redis | Cluster): Promise<void> {
  const nodes = mastersOf(redis);
  if (nodes.length === 0) throw new Error('no Redis Cluster master known yet');
  await Promise.all(nodes.map(async (node) => {
    const role = await runLuaScript(node, ROLE_PROBE, [], []);
    if (role === 'master') return;
    if (!isClusterClient(redis)) node.disconnect(true);
    throw new Error(`Redis at ${node.options.host}:${node.options.port} is not a master (role: ${String(role)}): Signet's scripts write, so it cannot serve signed requests`);
  }));
}

/**
 * Replay protection needs Redis to keep every key until it expires: with an eviction policy and a
 * memory limit it can drop nonces while keeping the completeness marker. The stores notice any
 * eviction (run-marker.ts) and refuse what they can no longer prove, so an evicting Redis fails
 * closed, again and again: worth a warning at start-up. Read from INFO memory (CONFIG is blocked on managed Redis and by hardened
 * ACLs); when even that is refused, the warning says the policy could not be checked.
 */
export async function warnIfRedisMayEvict(redis: Redis | Cluster, logger: Logger): Promise<void> {
  const nodes = mastersOf(redis);
  for (const node of nodes) {
    const at = `${node.options.host}:${node.options.port}`;
    let info: string;
    try {
      info = await node.info('memory');
    } catch (error) {
      logger.warn({ node: at, err: { message: (error as Error).message } }, 'could not read redis maxmemory-policy (INFO memory): it should be noeviction, or each eviction makes signed requests refused for a while (REPLAY_PROTECTION_RECOVERING); check it yourself');
      continue;
    }
    const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
    const maxmemory = /^maxmemory:(\d+)/m.exec(info)?.[1];
    if (policy === undefined || maxmemory === undefined) {
      logger.warn({ node: at }, 'could not read redis maxmemory-policy (not in INFO memory): it should be noeviction, or each eviction makes signed requests refused for a while (REPLAY_PROTECTION_RECOVERING); check it yourself');
    } else if (policy !== 'noeviction' && maxmemory !== '0') {
      logger.warn({ node: at, policy, maxmemory: Number(maxmemory) }, 'redis maxmemory-policy is not noeviction: at its memory limit Redis evicts keys, and after each eviction the nonce store refuses signatures made before it (REPLAY_PROTECTION_RECOVERING) since it can no longer prove them unused; set maxmemory-policy noeviction');
    }
  }
}
