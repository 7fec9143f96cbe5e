import type { SecretBox } from './secret-box';
import type { UnitOfWork } from './ports';

/**
 * What a master key can do with the HMAC secrets of the live keys stored in the database: how
 * many there are, and which of them it does not open (sealed under another key, or damaged). A
 * revoked key never signs again, so its secret is not asked for.
 */
export interface MasterKeyFit {
  readonly liveSecrets: number;
  /** Ids of live HMAC keys whose secret this key does not open (all of them when there is no key). */
  readonly unopened: readonly string[];
}

/**
 * Tries `secretBox` (null: no master key) on every live HMAC key's sealed secret, at start-up: a
 * lost or mistyped master key must be named then, not surface later as every HMAC request's
 * "temporarily unavailable".
 */
export async function masterKeyFit(uow: UnitOfWork, secretBox: SecretBox | null): Promise<MasterKeyFit> {
  const sealed = await uow.repo.listLiveSealedSecrets();
  const unopened = sealed.filter(({ id, secretCiphertext }) => {
    if (!secretBox) return true;
    try {
      secretBox.open(secretCiphertext, id);
      return false;
    } catch {
      return true;
    }
  }).map(({ id }) => id);
  return { liveSecrets: sealed.length, unopened };
}

/** A secret box for a process with no master key that fits: it seals and opens nothing, saying why. */
export function unavailableSecretBox(reason: string): SecretBox {
  const refuse = (): never => {
    throw new Error(`HMAC secrets are unavailable: ${reason}`);
  };
  return { seal: refuse, open: refuse };
}
