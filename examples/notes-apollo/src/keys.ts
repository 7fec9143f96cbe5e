/**
 * The key registry: which keys may sign requests, the account each acts for and its scopes.
 * A real server keeps these in a database; the example holds them in memory and takes new ones
 * while it runs (`add`), as a server whose keys are created through its API would.
 */
import type { KeyObject } from 'node:crypto';
import type { VerificationKey } from '@signet/http-message-signatures';

/** One registered key. Ed25519 keys carry the public key, HMAC keys the shared secret (≥ 32 bytes). */
export type RegisteredKey = {
  readonly keyId: string;
  readonly account: string;
  readonly scopes: readonly string[];
  /**
   * When the key was generated (ms since the epoch), if known: no request can have been signed
   * with it before, so the nonce store vouches for it even while it recovers from a data loss.
   * Never the instant of registration: a key reused from another process may have signed before.
   */
  readonly createdAtMs?: number;
} & ({ readonly algorithm: 'ed25519'; readonly publicKey: KeyObject } | { readonly algorithm: 'hmac-sha256'; readonly secret: Uint8Array });

/** The keys, by id. */
export class KeyRegistry {
  readonly #keys = new Map<string, RegisteredKey>();

  constructor(keys: readonly RegisteredKey[] = []) {
    for (const key of keys) this.add(key);
  }

  /** Registers a key; a key id names one key for good. */
  add(key: RegisteredKey): void {
    if (this.#keys.has(key.keyId)) throw new Error(`key ${key.keyId} is already registered`);
    this.#keys.set(key.keyId, key);
  }

  /** The key as the verifier reads it; null when unknown. */
  async resolve(keyId: string): Promise<VerificationKey<KeyObject> | null> {
    const key = this.#keys.get(keyId);
    if (key === undefined) return null;
    const material = key.algorithm === 'ed25519' ? { publicKey: key.publicKey } : { secret: key.secret };
    return { keyId, algorithm: key.algorithm, ...material, accountId: key.account, scopes: key.scopes, createdAtMs: key.createdAtMs };
  }
}
