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
  return transactionOrRefusal(uow, async (repo, refuse) => {
    await repo.writeMasterKeyCheck(secretBox.seal(CHECK_PLAINTEXT, CHECK_CONTEXT), 'replace');
    const unopened = (await repo.listLiveSealedSecrets()).filter(({ id, secretCiphertext }) => !opens(secretBox, secretCiphertext, id)).map(({ id }) => id);
    return unopened.length > 0 ? refuse(unopened) : [];
  });
}

/**
 * Runs `work` in a transaction. `refuse(answer)` rolls the transaction back (nothing it wrote
 * stays) and makes `answer` the result, as `adopt` and `rotate` answer "not done, and why".
 */
async function transactionOrRefusal<T>(uow: UnitOfWork, work: (repo: TradingRepository, refuse: (answer: T) => never) => Promise<T>): Promise<T> {
  class Refusal extends Error {
    constructor(readonly answer: T) {
      super('refused: rolled back');
    }
  }
  try {
    return await uow.transaction((repo) => work(repo, (answer) => {
      throw new Refusal(answer);
    }));
  } catch (error) {
    if (error instanceof Refusal) return error.answer;
    throw error;
  }
}

/** What `signet master-key rotate` found: done, done before, or refused with nothing changed. */
export type MasterKeyRotation =
  /** Every secret the old key opened is sealed under the new key, and the check names the new key. `left`: revoked keys' secrets the old key did not open (left as they are: they never sign again). */
  | { readonly kind: 'rotated'; readonly resealed: number; readonly left: readonly string[] }
  /** The database's check already names the new key (a rotation that finished before): nothing was changed. */
  | { readonly kind: 'already' }
  /** The old key is not the database's master key: nothing was changed. */
  | { readonly kind: 'not the database key' }
  /** Live HMAC keys whose secret the old key does not open (sealed under another key, or damaged): nothing was changed; revoke them first. */
  | { readonly kind: 'unopened'; readonly unopened: readonly string[] };

/**
 * Re-seals every HMAC secret under `to` and makes `to`'s key the database's (`signet master-key
 * rotate`), in one transaction, or changes nothing. The check is locked first (FOR UPDATE), so a
 * seal in progress (it holds the check FOR SHARE) finishes before, and a later one waits for this
 * commit and is then refused (its process's key is no longer the database's); every sealed secret
 * is locked as it is read. `from` must be the database's key (or, where none is recorded yet, open
 * every live secret). Revoked keys' secrets are re-sealed too, so nothing in the database needs
 * the old key afterwards; the ones it does not open are left (named in `left`). The secrets'
 * plaintexts are zeroed once re-sealed.
 */
export async function rotateMasterKey(uow: UnitOfWork, from: SecretBox, to: SecretBox): Promise<MasterKeyRotation> {
  return transactionOrRefusal<MasterKeyRotation>(uow, async (repo, refuse) => {
    const check = await repo.readMasterKeyCheck({ lock: 'update' });
    if (check !== null && opensMasterKeyCheck(to, check)) return { kind: 'already' };
    if (check !== null && !opensMasterKeyCheck(from, check)) return refuse({ kind: 'not the database key' });
    await repo.writeMasterKeyCheck(to.seal(CHECK_PLAINTEXT, CHECK_CONTEXT), 'replace');
    const unopened: string[] = [];
    const left: string[] = [];
    let resealed = 0;
    for (const { id, secretCiphertext, live } of await repo.lockSealedSecrets()) {
      let secret: Buffer;
      try {
        secret = from.open(secretCiphertext, id);
      } catch {
        (live ? unopened : left).push(id);
        continue;
      }
      try {
        await repo.replaceSealedSecret(id, to.seal(secret, id));
      } finally {
        secret.fill(0);
      }
      resealed += 1;
    }
    return unopened.length > 0 ? refuse({ kind: 'unopened', unopened }) : { kind: 'rotated', resealed, left };
  });
}

/**
 * Whether `secretBox`'s key is still the database's (true while none is recorded). A process whose
 * key was replaced after it started (`signet master-key adopt`, a rotation it missed) opens no
 * secret sealed since: its HMAC requests are refused as the server's fault (api-keys.service.ts).
 */
export async function isTheDatabasesMasterKey(uow: UnitOfWork, secretBox: SecretBox): Promise<boolean> {
  const check = await uow.repo.readMasterKeyCheck();
  return check === null || opensMasterKeyCheck(secretBox, check);
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
  const check = await repo.readMasterKeyCheck({ lock: 'share' }) ?? await repo.writeMasterKeyCheck(secretBox.seal(CHECK_PLAINTEXT, CHECK_CONTEXT), 'if absent');
  if (!opensMasterKeyCheck(secretBox, check)) throw new Error(MASTER_KEY_REPLACED);
}

/** A secret box for a process with no master key that fits: it seals and opens nothing, saying why. */
export function unavailableSecretBox(reason: string): SecretBox {
  const refuse = (): never => {
    throw new Error(`HMAC secrets are unavailable: ${reason}`);
  };
  return { seal: refuse, open: refuse };
}
