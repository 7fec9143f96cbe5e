/**
 * Lua scripts the Redis stores run: each is sent by its SHA (EVALSHA) and, when the server does
 * not know it yet (after a restart, SCRIPT FLUSH or a failover), once in full (EVAL, which also
 * caches it). Done here rather than with `defineCommand` so the shared client is not mutated.
 */
import { createHash } from 'node:crypto';

/** A script and its SHA-1, computed once. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

/** The two commands a script needs; satisfied by ioredis `Redis` and `Cluster` (and by test doubles). */
export interface RedisScriptClient {
  /** EVALSHA sha numkeys key... arg... */
  evalsha(sha: string, numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  /** EVAL script numkeys key... arg... */
  eval(script: string, numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
}

/** Wraps `source` with its SHA. */
export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** Runs `script` on `keys` and `args`: EVALSHA, falling back to EVAL on NOSCRIPT. Other errors propagate. */
export async function runLuaScript(client: RedisScriptClient, script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(script.source, keys.length, ...keys, ...args);
  }
}
