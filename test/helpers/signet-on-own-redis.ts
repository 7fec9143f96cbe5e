import { fundedAccount } from './domain';
import { spawnSignet, type SignetProcess } from './processes';
import { startOwnRedis, type OwnRedis } from './redis-server';
import { openSharedSchema, untilReady, type SharedSchema } from './shared-schema';
import { createTestKey, type TestKey } from './signet-server';

/** A `signet serve` child on a fresh PostgreSQL schema and a redis-server of the suite's own, with one funded account and its Ed25519 key. */
export interface SignetOnOwnRedis {
  readonly redis: OwnRedis;
  readonly shared: SharedSchema;
  readonly signet: SignetProcess;
  readonly accountId: string;
  readonly key: TestKey;
  /** Stops the process, drops the schema and kills the redis-server. */
  close(): Promise<void>;
}

/**
 * Starts it all for a suite that kills, stops or empties its Redis under a live server (outages,
 * replays after a loss). `redisDir`: where the redis-server keeps the snapshot a restart loads
 * (see startOwnRedis); `ready`: wait until the process reports Redis ready.
 */
export async function startSignetOnOwnRedis(databaseUrl: string, options: { name: string; deposits: Record<string, string>; redisDir?: string; ready?: boolean }): Promise<SignetOnOwnRedis> {
  const redis = await startOwnRedis(options.redisDir ? { dir: options.redisDir } : {});
  let shared: SharedSchema | undefined;
  let signet: SignetProcess | undefined;
  const close = async () => {
    await signet?.stop();
    await shared?.close();
    await redis.close();
  };
  try {
    shared = await openSharedSchema(databaseUrl, redis.url);
    const accountId = await fundedAccount(shared.services, options.deposits, options.name);
    const key = await createTestKey(shared.services, accountId, 'ed25519');
    signet = await spawnSignet(shared.env());
    if (options.ready) await untilReady(signet);
    return { redis, shared, signet, accountId, key, close };
  } catch (error) {
    await close();
    throw error;
  }
}
