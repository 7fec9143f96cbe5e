import type { Redis } from 'ioredis';

/** The names of the commands a client sends, in order, until `restore()`; clear with `sent.length = 0`. */
export interface RecordedRedisCommands {
  readonly sent: string[];
  restore(): void;
}

/** Records every command `redis` sends (one name per round trip: a pipeline would show several). */
export function recordRedisCommands(redis: Redis): RecordedRedisCommands {
  const sent: string[] = [];
  const original = redis.sendCommand.bind(redis);
  const spy = jest.spyOn(redis, 'sendCommand').mockImplementation((command) => {
    sent.push(command.name);
    return original(command);
  });
  return { sent, restore: () => spy.mockRestore() };
}

/** The Redis commands `work` sends on `redis`, in order. */
export async function commandsOf(redis: Redis, work: () => Promise<unknown>): Promise<string[]> {
  const recorded = recordRedisCommands(redis);
  try {
    await work();
  } finally {
    recorded.restore();
  }
  return recorded.sent;
}
