import type { SecretBox } from './secret-box';
import type { UnitOfWork } from './ports';

/**
 * What a master key can do with the HMAC secrets already sealed in the database: `none-sealed`
 * (no HMAC key stored, so any key will do), `opens` (it is the key they were sealed under), or
 * `does-not-open` (another key, or no key at all: every HMAC key would fail on every request).
 */
export type MasterKeyFit = 'none-sealed' | 'opens' | 'does-not-open';

/**
 * Checks `secretBox` (null: no master key) against one stored HMAC secret, at start-up: a lost
 * or mistyped master key must stop the process, not surface later as every HMAC request's
 * "temporarily unavailable". One secret is enough: every secret is sealed under the one key.
 */
export async function masterKeyFit(uow: UnitOfWork, secretBox: SecretBox | null): Promise<MasterKeyFit> {
  const sealed = await uow.repo.findSealedSecret();
  if (!sealed) return 'none-sealed';
  if (!secretBox) return 'does-not-open';
  try {
    secretBox.open(sealed.secretCiphertext, sealed.id);
    return 'opens';
  } catch {
    return 'does-not-open';
  }
}
