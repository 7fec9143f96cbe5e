import type { SecretBox } from './secret-box';
import type { TradingRepository, UnitOfWork } from './ports';

/**
 * What a master key can do with the HMAC secrets of the live keys stored in the database: how
 * many there are, and which of them it does not open (sealed under another key, or damaged). A
 * revoked key never signs again, so its secret is not asked for.
 */
export interface MasterKeyFit {
  readonly liveSecrets: number;
  /** Ids of live HMAC keys whose secret this key does not open (all of them when there is no key). */
  readonly unopened: readonly string[];
  /** Whether this key opens the database's master key check; null while none is set. */
  readonly opensCheck: boolean | null;
}

/** What the master key check seals, and the context it is bound to (no key id can take this value: ids start with `key_`). */
const CHECK_PLAINTEXT = Buffer.from('signet master key check v1', 'utf8');
const CHECK_CONTEXT = 'master-key-check';

/** Whether `secretBox`'s key is the one that sealed the master key check `sealed`. */
export function opensMasterKeyCheck(secretBox: SecretBox, sealed: string): boolean {
  try {
    return secretBox.open(sealed, CHECK_CONTEXT).equals(CHECK_PLAINTEXT);
  } catch {
    return false;
  }
}

/** Whether a live key's sealed secret opens under `secretBox`. */
function opens(secretBox: SecretBox, secretCiphertext: string, keyId: string): boolean {
  try {
    secretBox.open(secretCiphertext, keyId);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes `secretBox`'s key the database's master key: where none is set (`if absent`; a start that
 * races another one with another key finds the other's), or replacing it (an operator adopting a
 * lost embedded key generated again; adopting a key on purpose is {@link adoptMasterKey}). Whether
 * the check set now is this key's.
 */
export async function recordMasterKey(uow: UnitOfWork, secretBox: SecretBox, mode: 'if absent' | 'replace'): Promise<boolean> {
  const stored = await uow.repo.writeMasterKeyCheck(secretBox.seal(CHECK_PLAINTEXT, CHECK_CONTEXT), mode);
  return opensMasterKeyCheck(secretBox, stored);
}

/**
 * Tries `secretBox` (null: no master key) on every live HMAC key's sealed secret and on the
 * database's master key check, at start-up: a lost or mistyped master key must be named then, not
 * surface later as every HMAC request's "temporarily unavailable" (or, with no HMAC key yet, as
 * keys sealed under two master keys by two processes).
 */
export async function masterKeyFit(uow: UnitOfWork, secretBox: SecretBox | null): Promise<MasterKeyFit> {
  const sealed = await uow.repo.listLiveSealedSecrets();
  const unopened = sealed.filter(({ id, secretCiphertext }) => !secretBox || !opens(secretBox, secretCiphertext, id)).map(({ id }) => id);
  const check = await uow.repo.readMasterKeyCheck();
  return { liveSecrets: sealed.length, unopened, opensCheck: check === null ? null : secretBox !== null && opensMasterKeyCheck(secretBox, check) };
}

/**
 * Makes `secretBox`'s key the database's (`signet master-key adopt`), in one transaction: the check
 * is replaced first, which waits for every seal in progress (they hold it FOR SHARE) and makes
 * every later seal wait for this commit and then see the new key; then every live secret must
 * open under the new key, or nothing is replaced. Returns the ids of the live HMAC keys whose
 * secret does not open (empty: adopted).
 */
export async function adoptMasterKey(uow: UnitOfWork, secretBox: SecretBox): Promise<readonly string[]> {
  class NotAdopted extends Error {
    constructor(readonly unopened: readonly string[]) {
      super('not adopted');
    }
  }
  try {
    return await uow.transaction(async (repo) => {
      await repo.writeMasterKeyCheck(secretBox.seal(CHECK_PLAINTEXT, CHECK_CONTEXT), 'replace');
      const unopened = (await repo.listLiveSealedSecrets()).filter(({ id, secretCiphertext }) => !opens(secretBox, secretCiphertext, id)).map(({ id }) => id);
      if (unopened.length > 0) throw new NotAdopted(unopened);
      return [];
    });
  } catch (error) {
    if (error instanceof NotAdopted) return error.unopened;
    throw error;
  }
}

/** Why a process does not seal a secret: its master key is not the database's (an internal error: the client sees INTERNAL_SERVER_ERROR, the log says this). */
export const MASTER_KEY_REPLACED = 'this process\'s master key is not the database\'s (another one was recorded, or adopted with signet master-key adopt, after this process started): restart it with the database\'s key';

/**
 * Before a secret is sealed, in the transaction that stores it: the sealing key must be the
 * database's, or become it where none is recorded yet (the first secret names the key it needs).
 * The check is held until the transaction ends, so `signet master-key adopt` waits for the seal,
 * or the seal sees the adopted key and is refused.
 */
export async function assertSealingKeyIsTheDatabases(repo: Pick<TradingRepository, 'readMasterKeyCheck' | 'writeMasterKeyCheck'>, secretBox: SecretBox): Promise<void> {
  const check = await repo.readMasterKeyCheck({ share: true }) ?? await repo.writeMasterKeyCheck(secretBox.seal(CHECK_PLAINTEXT, CHECK_CONTEXT), 'if absent');
  if (!opensMasterKeyCheck(secretBox, check)) throw new Error(MASTER_KEY_REPLACED);
}

/** A secret box for a process with no master key that fits: it seals and opens nothing, saying why. */
export function unavailableSecretBox(reason: string): SecretBox {
  const refuse = (): never => {
    throw new Error(`HMAC secrets are unavailable: ${reason}`);
  };
  return { seal: refuse, open: refuse };
}
