/**
 * What the server checks of the Redis it is given, against redis-servers of the test's own: a user
 * refused a command Signet's scripts run is found at start-up, /readyz fails on such a user and on
 * a replica, a connection to a primary demoted in a failover is made again, and the eviction
 * warning reads INFO memory (CONFIG blocked, as on managed Redis).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { parseRedisClusterUrl } from '../../../src/config';
import { connectRedis, connectRedisCluster } from '../../../src/stores/redis/connection';
import { assertRedisPermissions, checkRedisReadiness, REDIS_ACL_NEEDED, RedisPermissionError, warnIfRedisMayEvict } from '../../../src/stores/redis/redis-checks';
import { createRedisNonceStore, createRedisRateLimitStore } from '../../../src/stores/redis';
import { eventually } from '../../helpers/eventually';
import { captureLogger, silentLogger } from '../../helpers/logger';
import { redisClusterUnavailableReason, startLocalRedisCluster, type LocalRedisCluster } from '../../helpers/redis-cluster';
import { startOwnRedis, type OwnRedis } from '../../helpers/redis-server';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy';

/** The least a user needs, as REDIS_ACL_NEEDED lists it (standalone). */
const MINIMAL = ['~signet:*', '-@all', '+eval', '+evalsha', '+info', '+ping', '+select', '+get', '+set', '+del', '+exists', '+pttl', '+pexpire', '+incrby', '+hset', '+hmget', '+hdel'];

/** An ACL user on `redis` and its REDIS_URL. */
async function aclUser(redis: OwnRedis, name: string, rules: readonly string[]): Promise<string> {
  const admin = new Redis(redis.port, '127.0.0.1');
  try {
    await admin.call('ACL', 'SETUSER', name, 'reset', 'on', `>pw-${name}`, ...rules);
  } finally {
    admin.disconnect();
  }
  return `redis://${name}:pw-${name}@127.0.0.1:${redis.port}/0`;
}

/** Runs `work` on a connection of `url`, then closes it. */
async function withConnection<T>(url: string, work: (client: Redis) => Promise<T>): Promise<T> {
  const client = await connectRedis(url, silentLogger) as Redis;
  try {
    return await work(client);
  } finally {
    client.disconnect();
  }
}

describe('the Redis user Signet is given', () => {
  jest.setTimeout(30_000);
  let redis: OwnRedis;
  beforeAll(async () => {
    redis = await startOwnRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  test.each([
    ['the hardened `+@all -@dangerous` (no INFO, which every nonce script reads run_id with)', ['~*', '+@all', '-@dangerous'], /can't run this command|NOPERM.*'info'/],
    ['a user without scripts (`-@scripting`)', ['~*', '+@all', '-@scripting'], /NOPERM.*'eval'/],
    ['a user without EVALSHA', ['~*', '+@all', '-evalsha'], /NOPERM.*'evalsha'/],
    ['a user without HSET (the idempotency leases)', MINIMAL.filter((rule) => rule !== '+hset'), /can't run this command|NOPERM.*'hset'/],
    ['a user granted INFO for one section only (`+info|server`: the markers read `stats` too; review)', [...MINIMAL.filter((rule) => rule !== '+info'), '+info|server'], /can't run this command|NOPERM.*'info/],
  ])('%s is refused at start-up, naming the ACL Signet needs', async (name, rules, refusal) => {
    const url = await aclUser(redis, `u${name.length}`, rules);
    await withConnection(url, async (client) => {
      const check = assertRedisPermissions(client, silentLogger);
      await expect(check).rejects.toThrow(RedisPermissionError);
      await expect(check).rejects.toThrow(refusal);
      await expect(check).rejects.toThrow(REDIS_ACL_NEEDED);
      await expect(check).rejects.not.toThrow(/pw-/);
      // And /readyz would not say ready on it (all but the HSET case: the check only reads).
      if (!rules.includes('+eval')) await expect(checkRedisReadiness(client)).rejects.toThrow();
    });
  });

  test('the ACL the README names, and the minimal list, pass; the stores run on the minimal one', async () => {
    for (const [name, rules] of [['readme', ['~signet:*', '+@all', '-@dangerous', '+info']], ['minimal', MINIMAL]] as const) {
      const url = await aclUser(redis, name, rules);
      await withConnection(url, async (client) => {
        await expect(assertRedisPermissions(client, silentLogger)).resolves.toBeUndefined();
        await expect(checkRedisReadiness(client)).resolves.toBeUndefined();
        const nonces = createRedisNonceStore(client);
        await nonces.open();
        // Signed after the store became complete (opened now, plus the 5 s the clocks may disagree).
        const signedAt = Date.now() + 10_000;
        const claim = { ttlMs: 60_000, notBeforeMs: signedAt, createdMs: signedAt };
        expect(await nonces.claim(`k-${name}`, 'n1', claim)).toEqual({ status: 'claimed' });
        expect(await nonces.claim(`k-${name}`, 'n1', claim)).toEqual({ status: 'reused' });
        const limits = createRedisRateLimitStore(client);
        expect((await limits.consume(`acl-${name}`, { max: 1, windowMs: 60_000 })).allowed).toBe(true);
      });
    }
  });

  test('a Redis down at start-up is not a refusal: that is an outage, logged', async () => {
    const down = await startOwnRedis();
    await down.close();
    const log = captureLogger('warn');
    const client = await connectRedis(`redis://127.0.0.1:${down.port}`, log.logger) as Redis;
    try {
      await expect(assertRedisPermissions(client, log.logger)).resolves.toBeUndefined();
      expect(log.text()).toMatch(/redis permissions not checked at start-up/);
    } finally {
      client.disconnect();
    }
  });
});

describe('a primary demoted to a replica (failover)', () => {
  jest.setTimeout(40_000);
  let oldPrimary: OwnRedis;
  let newPrimary: OwnRedis;
  let proxy: TcpProxy;
  let dir: string;
  beforeAll(async () => {
    // A replica writes the snapshot it syncs from into its directory: a temporary one, not the working directory.
    dir = mkdtempSync(join(tmpdir(), 'signet-failover-'));
    [oldPrimary, newPrimary] = await Promise.all([startOwnRedis({ dir }), startOwnRedis({ dir: mkdtempSync(join(dir, 'new-')) })]);
    proxy = await startTcpProxy({ host: '127.0.0.1', port: oldPrimary.port });
  });
  afterAll(async () => {
    await proxy?.close();
    await oldPrimary?.close();
    await newPrimary?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('/readyz fails while the connection is on the replica, and a connection refused READONLY is made again and reaches the new primary behind the same name', async () => {
    const client = await connectRedis(`redis://127.0.0.1:${proxy.port}/0`, silentLogger) as Redis;
    const admin = new Redis(oldPrimary.port, '127.0.0.1');
    try {
      expect(await client.set('failover:k', '1')).toBe('OK');
      await expect(checkRedisReadiness(client)).resolves.toBeUndefined();
      // The failover: the old primary follows the new one, and the name now leads to the new one.
      await admin.call('REPLICAOF', '127.0.0.1', String(newPrimary.port));
      proxy.retarget({ host: '127.0.0.1', port: newPrimary.port });
      await eventually(async () => expect(await admin.call('ROLE')).toEqual(expect.arrayContaining(['slave'])), 5_000);
      await expect(client.set('failover:k', '2')).rejects.toThrow(/^READONLY/);
      // Without a reconnection, every write would be refused READONLY until a restart.
      const port = await eventually(async () => {
        expect(await client.set('failover:k', '3')).toBe('OK');
        return /tcp_port:(\d+)/.exec(await client.info('server'))?.[1];
      }, 10_000);
      expect(port).toBe(String(newPrimary.port));
      await expect(checkRedisReadiness(client)).resolves.toBeUndefined();
    } finally {
      client.disconnect();
      await admin.call('REPLICAOF', 'NO', 'ONE').catch(() => undefined);
      admin.disconnect();
    }
  });

  test('with no request to fail READONLY, the readiness check alone makes the connection again', async () => {
    proxy.retarget({ host: '127.0.0.1', port: oldPrimary.port });
    const client = await connectRedis(`redis://127.0.0.1:${proxy.port}/0`, silentLogger) as Redis;
    const admin = new Redis(oldPrimary.port, '127.0.0.1');
    try {
      await expect(checkRedisReadiness(client)).resolves.toBeUndefined();
      await admin.call('REPLICAOF', '127.0.0.1', String(newPrimary.port));
      proxy.retarget({ host: '127.0.0.1', port: newPrimary.port });
      await expect(checkRedisReadiness(client)).rejects.toThrow(/is not a master \(role: slave\)/);
      await eventually(() => checkRedisReadiness(client), 10_000);
      expect(await client.set('failover:idle', '1')).toBe('OK');
    } finally {
      client.disconnect();
      await admin.call('REPLICAOF', 'NO', 'ONE').catch(() => undefined);
      admin.disconnect();
    }
  });
});

describe('the eviction warning at start-up', () => {
  jest.setTimeout(30_000);
  const servers: OwnRedis[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  /** What warnIfRedisMayEvict logs on a redis-server started with `args`, as `url`'s user (default: no user). */
  async function warningsOn(args: readonly string[], rules?: readonly string[]): Promise<string> {
    const redis = await startOwnRedis({ args });
    servers.push(redis);
    const url = rules ? await aclUser(redis, 'evict', rules) : `${redis.url}/0`;
    const log = captureLogger('warn');
    await withConnection(url, (client) => warnIfRedisMayEvict(client, log.logger));
    return log.text();
  }

  test('an evicting policy with a memory limit is named, with what it risks, though CONFIG is disabled (managed Redis)', async () => {
    const text = await warningsOn(['--maxmemory', '100mb', '--maxmemory-policy', 'volatile-lru', '--rename-command', 'CONFIG', '']);
    expect(text).toMatch(/"policy":"volatile-lru"/);
    expect(text).toMatch(/after each eviction the nonce store refuses signatures made before it/);
  });

  test('noeviction, or no memory limit (nothing is ever evicted), says nothing', async () => {
    expect(await warningsOn(['--maxmemory', '100mb', '--maxmemory-policy', 'noeviction'])).toBe('');
    expect(await warningsOn(['--maxmemory', '0', '--maxmemory-policy', 'allkeys-lru'])).toBe('');
  });

  test('a policy that cannot be read (INFO refused) is said so, not passed over', async () => {
    const text = await warningsOn(['--maxmemory', '100mb', '--maxmemory-policy', 'allkeys-lru'], ['~*', '+@all', '-@dangerous']);
    expect(text).toMatch(/could not read redis maxmemory-policy \(INFO memory\): it should be noeviction/);
  });
});

const unavailable = redisClusterUnavailableReason();
(unavailable ? describe.skip : describe)(`on a Redis Cluster${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  jest.setTimeout(60_000);
  let cluster: LocalRedisCluster;
  beforeAll(async () => {
    cluster = await startLocalRedisCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('the permission probe and the readiness check (every master) pass', async () => {
    const target = parseRedisClusterUrl(cluster.url);
    if (!target) throw new Error(`not a cluster URL: ${cluster.url}`);
    const client = await connectRedisCluster(target, silentLogger);
    try {
      await expect(assertRedisPermissions(client, silentLogger)).resolves.toBeUndefined();
      await expect(checkRedisReadiness(client)).resolves.toBeUndefined();
    } finally {
      client.disconnect();
    }
  });
});
