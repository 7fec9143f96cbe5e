/**
 * `signet master-key rotate` around the database: which keys it rotates between, and, in the
 * embedded mode, the order of `master.key` and the commit that keeps one of them the database's
 * key whatever step a crash stops at.
 *
 * Embedded (`master.key`): the new key is written to `master.key.next` and flushed; the database
 * re-seals every secret under it and names it, in one transaction; the database's files are
 * flushed to disk (PGlite runs with `fsync=off`: unflushed, an OS crash could bring the database
 * back under the old key after the rename removed it); then `master.key.next` replaces
 * `master.key` (one rename). A crash before the commit leaves the database on the old key and a
 * staged file nothing needs; a crash after it leaves the database on the staged key. The next
 * open of the data directory asks the database which one it names (`settleStagedMasterKey`) and
 * finishes or undoes the rename, flushing the database's files first too. With
 * `SIGNET_MASTER_KEY` no file is involved: the operator holds both keys, and running the command
 * again after a crash either rotates or answers that the database already names the new key.
 */
import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import { createSecretBox, opensMasterKeyCheck, rotateMasterKey, type MasterKeyRotation, type UnitOfWork } from './domain';
import type { PgliteDataDir } from './stores/postgres';

/** What a rotation did, and where the new key is now. */
export type MasterKeyRotationResult = MasterKeyRotation & {
  /** Where the new key is: `SIGNET_NEW_MASTER_KEY` (the operator's to install on every server), or the data directory's `master.key`. */
  readonly newKey: 'SIGNET_NEW_MASTER_KEY' | 'master.key';
};

/** Thrown for a rotation that cannot start: nothing was changed. */
export class MasterKeyRotationRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyRotationRefused';
  }
}

/**
 * At an open of the data directory, before its master key is used: a staged key (a rotation that
 * stopped before its last step) is promoted when the database's check names it (the commit
 * happened), and removed otherwise (it did not).
 */
export async function settleStagedMasterKey(dataDir: PgliteDataDir, uow: UnitOfWork, logger: Logger): Promise<void> {
  const staged = dataDir.stagedMasterKey;
  if (!staged) return;
  const check = await uow.repo.readMasterKeyCheck();
  if (check !== null && opensMasterKeyCheck(createSecretBox(staged), check)) {
    dataDir.promoteStagedMasterKey();
    logger.warn('a master key rotation stopped after its commit: master.key is now the new key (master.key.next moved into place)');
  } else {
    dataDir.discardStagedMasterKey();
    logger.warn('a master key rotation stopped before its commit: the database still names master.key, which is unchanged; master.key.next was removed');
  }
}

/**
 * Rotates from the configured master key (`SIGNET_MASTER_KEY`, else the data directory's
 * `master.key`) to `SIGNET_NEW_MASTER_KEY`, or, embedded without `SIGNET_MASTER_KEY`, to that key
 * or a generated one, which then becomes `master.key`. Every server must be stopped (the caller
 * holds the data directory, or the PostgreSQL database's single-process lock exclusively).
 */
export async function rotateConfiguredMasterKey(input: {
  readonly masterKey: Buffer | null; readonly newMasterKey: Buffer | null; readonly dataDir: PgliteDataDir | null; readonly uow: UnitOfWork;
  /**
   * Embedded: has the database write its committed pages and control file into its files
   * (`CHECKPOINT`, on the connection that committed) before the data directory flushes them and
   * promotes the staged key; so no later unflushed write (the close's shutdown checkpoint) can
   * leave a control file on disk that skips replaying the rotation's commit. Default: none (the
   * flush then keeps the commit through its write-ahead log alone).
   */
  readonly checkpoint?: () => Promise<void>;
}): Promise<MasterKeyRotationResult> {
  const { dataDir, uow } = input;
  const keyFile = input.masterKey === null ? dataDir : null;
  const current = input.masterKey ?? keyFile?.masterKey ?? null;
  if (!current) throw new MasterKeyRotationRefused('there is no master key to rotate from (master.key is missing): restore it from a backup, or set SIGNET_MASTER_KEY');
  if (!keyFile && !input.newMasterKey) throw new MasterKeyRotationRefused('set SIGNET_NEW_MASTER_KEY to the new key (32 bytes in base64, e.g. `openssl rand -base64 32`): with SIGNET_MASTER_KEY the keys are yours to keep, so none is generated');
  const next = input.newMasterKey ?? randomBytes(32);
  if (next.equals(current)) throw new MasterKeyRotationRefused('SIGNET_NEW_MASTER_KEY is the current master key: give a new one');
  if (!keyFile) return { ...await rotateMasterKey(uow, createSecretBox(current), createSecretBox(next)), newKey: 'SIGNET_NEW_MASTER_KEY' };

  keyFile.stageMasterKey(next);
  // Thrown (the database unreachable, the commit's answer lost): the staged file stays, and the
  // next open settles it from what the database names.
  const outcome = await rotateMasterKey(uow, createSecretBox(current), createSecretBox(next));
  // `already`: the database named SIGNET_NEW_MASTER_KEY before this run; master.key follows it.
  if (outcome.kind === 'rotated' || outcome.kind === 'already') {
    await input.checkpoint?.();
    keyFile.promoteStagedMasterKey(); // flushes the database's files first
  } else {
    keyFile.discardStagedMasterKey();
  }
  return { ...outcome, newKey: 'master.key' };
}
