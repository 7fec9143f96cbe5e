/**
 * The server's Redis connections fail fast on a hung Redis (the process stopped, its connections
 * open): the command that finds the hang out waits the 2 s command timeout, and the commands after
 * it are refused at once instead of each waiting in turn, until Redis answers again. Standalone against a redis-server of the test's own; on a cluster, only the hung node's
 * commands are refused while the other masters answer.
 */
import type { Cluster, Redis } from 'ioredis';
import { parseRedisClusterUrl } from '../../../src/config';
import { READONLY_RECONNECT_EVERY_MS, REDIS_NOT_ANSWERING, connectRedis, connectRedisCluster, readonlyReconnector } from '../../../src/stores/redis/connection';
import { captureLogger } from '../../helpers/logger';
import { redisClusterUnavailableReason, startLocalRedisCluster, type LocalRedisCluster } from '../../helpers/redis-cluster';
import { startOwnRedis, type OwnRedis } from '../../helpers/redis-server';

/** The connections' command timeout (connection.ts). */
const COMMAND_TIMEOUT_MS = 2_000;
const unavailable = redisClusterUnavailableReason();
const gate = unavailable ? describe.skip : describe;

/** How a command ended, and after how many milliseconds. */
async function outcome(command: () => Promise<unknown>): Promise<{ ms: number; answer?: unknown; error?: string }> {
  const start = performance.now();
  try {
    const answer = await command();
    return { ms: performance.now() - start, answer };
  } catch (error) {
    return { ms: performance.now() - start, error: (error as Error).message };
  }
}

/** Polls `command` until it answers, for up to `timeoutMs`. */
async function untilAnswered(command: () => Promise<unknown>, timeoutMs: number): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await outcome(command);
    if (result.error === undefined) return result.answer;
    if (Date.now() > deadline) throw new Error(`no answer after ${timeoutMs} ms: ${result.error}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

gate(`Redis connections on a hung Redis${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  jest.setTimeout(40_000);

  describe('standalone', () => {
    let redis: OwnRedis;
    let client: Redis;
    const log = captureLogger('warn');

    beforeAll(async () => {
      redis = await startOwnRedis();
      client = await connectRedis(redis.url, log.logger) as Redis;
    });

    afterAll(async () => {
      client?.disconnect();
      await redis?.close();
    });

    test('the first command times out, the next ones are refused at once, and it answers again once Redis does', async () => {
      expect(await client.set('hung:a', '1')).toBe('OK');
      redis.pause();
      try {
        const first = await outcome(() => client.get('hung:a'));
        expect(first.error).toBe('Command timed out');
        expect(first.ms).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS - 100);
        const following = [];
        for (let i = 0; i < 5; i++) following.push(await outcome(() => client.get('hung:a')));
        for (const refused of following) expect(refused.error).toBe(REDIS_NOT_ANSWERING);
        // Before, each waited out the timeout: 5 × 2 s.
        expect(following.reduce((sum, r) => sum + r.ms, 0)).toBeLessThan(COMMAND_TIMEOUT_MS);
        expect(await outcome(() => client.ping())).toEqual(expect.objectContaining({ error: expect.any(String) }));
      } finally {
        redis.resume();
      }
      expect(await untilAnswered(() => client.get('hung:a'), 15_000)).toBe('1');
      expect(log.lines().map(({ msg, node, command }) => ({ msg, node, command }))).toEqual([
        { msg: 'redis did not answer a command in time; protected requests are refused until it answers', node: `127.0.0.1:${redis.port}`, command: 'get' },
        { msg: 'redis answers again; protected requests are served', node: `127.0.0.1:${redis.port}`, command: undefined },
      ]);
    });
    test('a Redis restarted while its commands are refused: the new connection\'s handshake passes, and its commands are answered', async () => {
      expect(await client.set('hung:b', '2')).toBe('OK');
      redis.pause();
      expect((await outcome(() => client.get('hung:b'))).error).toBe('Command timed out');
      expect((await outcome(() => client.get('hung:b'))).error).toBe(REDIS_NOT_ANSWERING);
      await redis.kill();
      await redis.start();
      // An empty Redis (no persistence): the key is gone, and the connection answers.
      expect(await untilAnswered(() => client.get('hung:b'), 15_000)).toBeNull();
      expect(client.status).toBe('ready');
    });
  });

  describe('cluster', () => {
    let cluster: LocalRedisCluster;
    let client: Cluster;
    const log = captureLogger('warn');

    beforeAll(async () => {
      cluster = await startLocalRedisCluster();
      const target = parseRedisClusterUrl(cluster.url);
      if (!target) throw new Error(`not a cluster URL: ${cluster.url}`);
      client = await connectRedisCluster(target, log.logger) as Cluster;
    }, 40_000);

    afterAll(async () => {
      client?.disconnect();
      await cluster?.stop();
    });

    /** A key whose slot the master `nodes[index]` serves. */
    async function keyOn(index: number): Promise<string> {
      const { port } = cluster.nodes[index];
      for (let i = 0; i < 10_000; i++) {
        const key = `hung:${i}`;
        const slot = Number(await client.cluster('KEYSLOT', key));
        const owner = (client.slots[slot] ?? [])[0];
        if (owner === `127.0.0.1:${port}`) return key;
      }
      throw new Error(`no key found on port ${port}`);
    }

    test('a hung master\'s commands are refused at once after the first timeout, the other masters answer, and it answers again', async () => {
      const [hung, healthy] = [await keyOn(0), await keyOn(1)];
      expect(await client.set(hung, 'h')).toBe('OK');
      expect(await client.set(healthy, 'ok')).toBe('OK');
      cluster.pause(0);
      try {
        const first = await outcome(() => client.get(hung));
        expect(first.error).toBe('Command timed out');
        const following = [];
        for (let i = 0; i < 5; i++) following.push(await outcome(() => client.get(hung)));
        for (const refused of following) expect(refused.error).toBe(REDIS_NOT_ANSWERING);
        expect(following.reduce((sum, r) => sum + r.ms, 0)).toBeLessThan(COMMAND_TIMEOUT_MS);
        expect(await client.get(healthy)).toBe('ok');
      } finally {
        cluster.resume(0);
      }
      expect(await untilAnswered(() => client.get(hung), 15_000)).toBe('h');
      const hungNode = `127.0.0.1:${cluster.nodes[0].port}`;
      expect(log.lines().filter(({ node }) => node === hungNode).map(({ msg, command }) => ({ msg, command }))).toEqual([
        { msg: 'redis did not answer a command in time; protected requests are refused until it answers', command: 'get' },
        { msg: 'redis answers again; protected requests are served', command: undefined },
      ]);
    });
  });
});

test('a connection refused READONLY reconnects at most once a second, and for nothing else (review: a Redis that stays a replica reconnected at every refused script)', () => {
  let now = 0;
  const reconnect = readonlyReconnector(() => now);
  const readonly = new Error("READONLY You can't write against a read only replica.");
  expect(reconnect(readonly)).toBe(1);
  expect(reconnect(readonly)).toBe(false);
  now += READONLY_RECONNECT_EVERY_MS - 1;
  expect(reconnect(readonly)).toBe(false);
  now += 1;
  expect(reconnect(readonly)).toBe(1);
  now += 10 * READONLY_RECONNECT_EVERY_MS;
  expect(reconnect(new Error('ERR unknown command'))).toBe(false);
  expect(reconnect(new Error('NOPERM this user has no permissions'))).toBe(false);
});
