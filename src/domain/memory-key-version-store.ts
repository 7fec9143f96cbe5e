import { randomBytes } from 'node:crypto';
import type { KeyVersionStore } from './ports';

/**
 * A `KeyVersionStore` in this process's memory: the reference the Redis store is tested against
 * (the key version and admission store contracts), and a store for tests of one process. Versions
 * are random, so a new store never hands out a version an earlier one did. Like the Redis store,
 * only `current` creates a version (`peek` reads, `renew` replaces one that exists).
 */
export function createMemoryKeyVersionStore(): KeyVersionStore {
  const versions = new Map<string, string>();
  const fresh = () => randomBytes(16).toString('base64url');
  return {
    async peek(keyId) {
      return versions.get(keyId) ?? null;
    },
    async current(keyId) {
      let version = versions.get(keyId);
      if (version === undefined) {
        version = fresh();
        versions.set(keyId, version);
      }
      return version;
    },
    async renew(keyId) {
      if (versions.has(keyId)) versions.set(keyId, fresh());
    },
  };
}
