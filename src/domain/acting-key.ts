import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The API key a signed request acts with, for as long as its handling runs (set by the transport
 * once the signature verified). Every transaction begun through `transact` while it is set first
 * holds the key live (`TradingRepository.holdLiveApiKey`): a revocation waits for such a
 * transaction to commit, and a transaction that begins after the revocation committed is refused
 * with {@link ActingKeyRevokedError}, before it writes anything. So once `revokeApiKey` answers,
 * every effect of the key is either committed (and visible to the owner's next read or
 * `cancelAllOrders`) or never happens.
 */
const actingKey = new AsyncLocalStorage<string | null>();

/** Runs `work` acting with `keyId` (null: as no key, e.g. a revocation, which never needs to hold its own key). */
export function actingAs<T>(keyId: string | null, work: () => T): T {
  return actingKey.run(keyId, work);
}

/** The key the current request acts with, or null outside a signed request. */
export function currentActingKey(): string | null {
  return actingKey.getStore() ?? null;
}

/** The key that signed the request was revoked after it verified and before its transaction began: nothing was written. */
export class ActingKeyRevokedError extends Error {
  constructor() {
    super('The API key that signed this request was revoked while the request ran; nothing was executed.');
    this.name = 'ActingKeyRevokedError';
  }
}
